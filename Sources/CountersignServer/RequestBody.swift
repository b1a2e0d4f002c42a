import CountersignCore
import Hummingbird

/// Reading request bodies: at most the context's limit (413 beyond), as bytes.
extension Request {
    func bodyBytes(context: CountersignRequestContext) async throws -> [UInt8] {
        let buffer = try await body.collect(upTo: context.maxUploadSize)
        return Array(buffer.readableBytesView)
    }

    /// The body as a JSON object, or 400 `invalid_json`.
    func jsonObject(context: CountersignRequestContext) async throws -> JSONValue {
        let bytes = try await bodyBytes(context: context)
        let value: JSONValue
        do {
            value = try bytes.withUnsafeBufferPointer { buffer throws(JSONError) -> JSONValue in
                var reader = JSONReader(buffer)
                let value = try reader.readValue()
                guard reader.atEnd() else { throw JSONError("unexpected data after the object", at: reader.offset) }
                return value
            }
        } catch {
            throw APIError(.badRequest, code: .invalidJSON, error.description)
        }
        guard case .object = value else { throw APIError(.badRequest, code: .invalidJSON, "expected a JSON object") }
        return value
    }
}
