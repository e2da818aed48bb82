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

    public init(key: String, size: Int64, contentType: String? = nil, etag: String? = nil, lastModified: Date? = nil, metadata: [String: String] = [:]) {
        self.key = key
        self.size = size
        self.contentType = contentType
        self.etag = etag
        self.lastModified = lastModified
        self.metadata = metadata
    }
}

public struct ListedObject: Sendable, Equatable {
    public var key: String
    public var size: Int64
    public var etag: String?
    public var lastModified: Date?

    public init(key: String, size: Int64, etag: String? = nil, lastModified: Date? = nil) {
        self.key = key
        self.size = size
        self.etag = etag
        self.lastModified = lastModified
    }
}

/// One page of ListObjectsV2; pass `nextContinuationToken` back for the next one.
public struct ListObjectsPage: Sendable, Equatable {
    public var objects: [ListedObject]
    public var isTruncated: Bool
    public var nextContinuationToken: String?

    public init(objects: [ListedObject], isTruncated: Bool, nextContinuationToken: String?) {
        self.objects = objects
        self.isTruncated = isTruncated
        self.nextContinuationToken = nextContinuationToken
    }
}
