extension Proposal {
    /// Writes the proposal as a JSON object with CONTRACT §3's member names (absent fields omitted).
    public func write(to writer: inout JSONWriter) {
        writer.raw("{")
        if let idempotencyKey { writer.member("idempotency_key", idempotencyKey) }
        writer.member("agent", agent)
        writer.member("operation", operation)
        writer.member("confidence")
        writer.double(confidence)
        if let amount = amountValue {
            writer.member("amount")
            writer.exact(amount)
        }
        if let currency { writer.member("currency", currency) }
        if let reference = referenceValue {
            writer.member("reference_amount")
            writer.exact(reference)
        }
        if let subject { writer.member("subject", subject) }
        writer.member("action", action)
        if let reasoning { writer.member("reasoning", reasoning) }
        if let impact { writer.member("impact", impact) }
        if let fallback { writer.member("fallback", fallback) }
        if !messages.isEmpty {
            writer.member("messages")
            writer.raw("[")
            for message in messages {
                writer.separate()
                writer.raw("{")
                writer.member("role", message.role)
                writer.member("text", message.text)
                writer.raw("}")
            }
            writer.raw("]")
        }
        if let context {
            writer.member("context")
            writer.value(context)
        }
        if let at { writer.member("at", date: at) }
        if let timeoutSeconds {
            writer.member("timeout")
            writer.double(timeoutSeconds)
        }
        if let callbackURL { writer.member("callback_url", callbackURL) }
        writer.raw("}")
    }

    /// The proposal as JSON bytes.
    public var jsonBytes: [UInt8] {
        var writer = JSONWriter(capacity: 512)
        write(to: &writer)
        return writer.bytes
    }
}

extension Reason {
    /// Writes `{"code":…,"level":…,"detail":…}`.
    public func write(to writer: inout JSONWriter) {
        writer.raw("{")
        writer.member("code", code)
        writer.member("level", level.rawValue)
        writer.member("detail", detail)
        writer.raw("}")
    }

    /// Reads a list written by `write(to:)`.
    public static func decodeList(json bytes: [UInt8]) throws(JSONError) -> [Reason] {
        try bytes.withUnsafeBufferPointer { (buffer) throws(JSONError) -> [Reason] in
            var reader = JSONReader(buffer)
            guard case .array(let items) = try reader.readValue() else { throw JSONError("expected a list of reasons", at: 0) }
            return items.compactMap { item in
                guard let code = item["code"]?.stringValue, let level = item["level"]?.stringValue.flatMap(Level.init(rawValue:)),
                    let detail = item["detail"]?.stringValue
                else { return nil }
                return Reason(code: code, level: level, detail: detail)
            }
        }
    }
}

extension Verdict {
    /// The reasons as a JSON array.
    public var reasonsJSON: [UInt8] {
        var writer = JSONWriter(capacity: 256)
        writer.raw("[")
        for reason in reasons {
            writer.separate()
            reason.write(to: &writer)
        }
        writer.raw("]")
        return writer.bytes
    }
}
