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
        try JSONValue.object(in: try await bodyBytes(context: context))
    }

    /// The body as a JSON object of only the `allowed` members: any other member is 422 `code`
    /// naming it, so that a member this version does not know (an `edited_action` sent to approve)
    /// is never silently dropped.
    func jsonObject(context: CountersignRequestContext, allowed: [String], code: ErrorCode) async throws -> JSONValue {
        let value = try await jsonObject(context: context)
        try value.requireOnlyMembers(allowed, code: code)
        return value
    }
}

extension JSONValue {
    /// `bytes` as one JSON object, or 400 `invalid_json`.
    static func object(in bytes: [UInt8]) throws -> JSONValue {
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

    /// 422 `code` naming the first member of this object that is not in `allowed` (the name shown
    /// on one line, cut to 64 UTF-16 units: it is the sender's text).
    func requireOnlyMembers(_ allowed: [String], code: ErrorCode) throws {
        guard case .object(let members) = self else { return }
        for member in members where !allowed.contains(member.key) {
            let name = DisplayText.cut(DisplayText.line(member.key), toUTF16: 64)
            throw APIError(.unprocessableContent, code: code, "unknown member \"\(name)\": this body takes only \(allowed.joined(separator: ", "))")
        }
    }
}
