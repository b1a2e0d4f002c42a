extension Proposal {
    /// Writes the proposal as a JSON object with CONTRACT §3's member names (absent fields omitted).
    public func write(to writer: inout JSONWriter) {
        writer.raw("{")
        if let idempotencyKey {
            writer.key("idempotency_key")
            writer.string(idempotencyKey)
            writer.raw(",")
        }
        writer.key("agent")
        writer.string(agent)
        writer.raw(",")
        writer.key("operation")
        writer.string(operation)
        writer.raw(",")
        writer.key("confidence")
        writer.double(confidence)
        if let amount = amountValue {
            writer.raw(",")
            writer.key("amount")
            writer.decimal(amount.decimal)
        }
        if let currency {
            writer.raw(",")
            writer.key("currency")
            writer.string(currency)
        }
        if let reference = referenceValue {
            writer.raw(",")
            writer.key("reference_amount")
            writer.decimal(reference.decimal)
        }
        if let subject {
            writer.raw(",")
            writer.key("subject")
            writer.string(subject)
        }
        writer.raw(",")
        writer.key("action")
        writer.string(action)
        for (key, value) in [("reasoning", reasoning), ("impact", impact), ("fallback", fallback)] {
            guard let value else { continue }
            writer.raw(",")
            writer.string(key)
            writer.raw(":")
            writer.string(value)
        }
        if !messages.isEmpty {
            writer.raw(",")
            writer.key("messages")
            writer.raw("[")
            for (index, message) in messages.enumerated() {
                if index > 0 { writer.raw(",") }
                writer.raw("{")
                writer.key("role")
                writer.string(message.role)
                writer.raw(",")
                writer.key("text")
                writer.string(message.text)
                writer.raw("}")
            }
            writer.raw("]")
        }
        if let context {
            writer.raw(",")
            writer.key("context")
            writer.value(context)
        }
        if let at {
            writer.raw(",")
            writer.key("at")
            writer.string(Timestamp.format(at))
        }
        if let timeoutSeconds {
            writer.raw(",")
            writer.key("timeout")
            writer.double(timeoutSeconds)
        }
        if let callbackURL {
            writer.raw(",")
            writer.key("callback_url")
            writer.string(callbackURL)
        }
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
        writer.key("code")
        writer.string(code)
        writer.raw(",")
        writer.key("level")
        writer.string(level.rawValue)
        writer.raw(",")
        writer.key("detail")
        writer.string(detail)
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
        for (index, reason) in reasons.enumerated() {
            if index > 0 { writer.raw(",") }
            reason.write(to: &writer)
        }
        writer.raw("]")
        return writer.bytes
    }
}
