import Foundation

/// What HEAD tells about an object.
public struct ObjectHead: Sendable, Equatable {
    public var key: String
    public var size: Int64
    public var contentType: String?
    /// As S3 sends it, quotes included.
    public var etag: String?
    public var lastModified: Date?
    /// `x-amz-meta-*` headers, names lowercased without the prefix.
    public var metadata: [String: String]
}

public struct ListedObject: Sendable, Equatable {
    public var key: String
    public var size: Int64
    public var etag: String?
    public var lastModified: Date?
}

/// One page of ListObjectsV2; pass `nextContinuationToken` back for the next one.
public struct ListObjectsPage: Sendable, Equatable {
    public var objects: [ListedObject]
    public var isTruncated: Bool
    public var nextContinuationToken: String?
}
