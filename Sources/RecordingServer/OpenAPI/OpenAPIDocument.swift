/// The OpenAPI 3.1 document of the public API, served at `GET /openapi.json`.
/// Its source is `openapi.json` beside this file, embedded at build time.
enum OpenAPIDocument {
    static var bytes: [UInt8] { PackageResources.openapi_json }
}
