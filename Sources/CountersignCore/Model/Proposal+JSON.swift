import Foundation

extension Proposal {
    /// Longest accepted text field, in bytes; longer ones are refused rather than stored.
    public static let maximumTextBytes = 64 * 1024

    /// Decodes and validates one proposal from JSON (CONTRACT §3). Unknown members are ignored,
    /// `null` means absent, and every refusal names the field.
    public static func decode(json bytes: UnsafeBufferPointer<UInt8>) throws(ProposalError) -> Proposal {
        var reader = JSONReader(bytes)
        do {
            let proposal = try decode(&reader)
            guard reader.atEnd() else { throw JSONError("unexpected data after the proposal", at: reader.offset) }
            return proposal
        } catch let error as JSONError {
            throw .json(error)
        } catch let error as ProposalError {
            // A field refused before the end was read: the text as a whole must still be JSON, or
            // the answer is that it is not (a truncated body is `invalid_json`, whatever it held).
            if let syntax = syntaxError(bytes) { throw .json(syntax) }
            throw error
        } catch {
            throw ProposalError(code: .invalidJSON, message: "\(error)")
        }
    }

    /// Why `bytes` are not one JSON value, or `nil` when they are.
    static func syntaxError(_ bytes: UnsafeBufferPointer<UInt8>) -> JSONError? {
        var reader = JSONReader(bytes)
        do {
            try reader.skipValue()
            guard reader.atEnd() else { return JSONError("unexpected data after the proposal", at: reader.offset) }
            return nil
        } catch {
            return error
        }
    }

    /// Decodes one proposal from a byte array.
    public static func decode(json bytes: [UInt8]) throws(ProposalError) -> Proposal {
        try bytes.withUnsafeBufferPointer { (buffer) throws(ProposalError) -> Proposal in try decode(json: buffer) }
    }

    private static func decode(_ reader: inout JSONReader) throws -> Proposal {
        guard reader.peek() == UInt8(ascii: "{") else {
            if reader.atEnd() { throw ProposalError(code: .invalidJSON, message: "empty line: expected a proposal object") }
            throw JSONError("expected a proposal object", at: reader.offset)
        }
        try reader.beginObject()
        var agent: String?
        var operation: String?
        var confidence: Double?
        var action: String?
        var proposal = Proposal(agent: "", operation: "", confidence: 0, action: "")
        var first = true
        while let key = try reader.nextMember(first: first) {
            first = false
            if try reader.readNull() { continue }
            switch key {
            case "agent": agent = try name(&reader, key)
            case "operation": operation = try name(&reader, key)
            case "confidence":
                let value = try number(&reader, key, "must be a number between 0 and 1")
                guard (0...1).contains(value) else { throw ProposalError.invalid(key, "must be between 0 and 1") }
                confidence = value
            case "action": action = try text(&reader, key)
            case "idempotency_key": proposal.idempotencyKey = try name(&reader, key, maximum: 255)
            case "amount": proposal.amountValue = try money(&reader, key)
            case "reference_amount": proposal.referenceValue = try money(&reader, key)
            case "currency":
                let code = try text(&reader, key)
                guard code.utf8.count == 3, code.utf8.allSatisfy({ $0 &- 0x41 < 26 }) else {
                    throw ProposalError.invalid(key, "must be a three-letter ISO 4217 code such as USD")
                }
                proposal.currency = code
            case "subject": proposal.subject = try name(&reader, key)
            case "reasoning": proposal.reasoning = try text(&reader, key)
            case "impact": proposal.impact = try text(&reader, key)
            case "fallback": proposal.fallback = try text(&reader, key)
            case "messages": proposal.messages = try messages(&reader)
            case "context":
                guard reader.peek() == UInt8(ascii: "{") else { throw ProposalError.invalid(key, "must be an object") }
                proposal.context = try reader.readValue()
            case "at":
                let value = try text(&reader, key)
                guard let date = Timestamp.parse(value) else {
                    throw ProposalError.invalid(key, "must be an RFC 3339 date-time such as 2026-11-24T10:15:00Z")
                }
                proposal.at = date
            case "timeout":
                if reader.peek() == UInt8(ascii: "\"") {
                    guard let seconds = DurationText.seconds(try reader.readString()), seconds > 0 else {
                        throw ProposalError.invalid(key, "must be a duration such as 90s, 30m or 24h")
                    }
                    proposal.timeoutSeconds = seconds
                } else {
                    let seconds = try number(&reader, key, "must be a duration such as 30m or a number of seconds")
                    guard seconds > 0 else { throw ProposalError.invalid(key, "must be positive") }
                    proposal.timeoutSeconds = seconds
                }
            case "callback_url":
                let url = try text(&reader, key)
                guard url.utf8.count <= 2048, let components = URLComponents(string: url), components.host?.isEmpty == false,
                    components.scheme == "https" || components.scheme == "http"
                else { throw ProposalError.invalid(key, "must be an http or https URL of at most 2048 bytes") }
                proposal.callbackURL = url
            default: try reader.skipValue()
            }
        }
        guard let agent else { throw ProposalError.invalid("agent", "is required") }
        guard let operation else { throw ProposalError.invalid("operation", "is required") }
        guard let confidence else { throw ProposalError.invalid("confidence", "is required") }
        guard let action else { throw ProposalError.invalid("action", "is required") }
        guard !action.isEmpty else { throw ProposalError.invalid("action", "must not be empty") }
        proposal.agent = agent
        proposal.operation = operation
        proposal.confidence = confidence
        proposal.action = action
        return proposal
    }

    /// A finite JSON number. Not a number at all is this field's error; malformed number text is
    /// a JSON error; a number too large for a `Double` (`1e999`) is this field's error.
    private static func number(_ reader: inout JSONReader, _ field: String, _ expectation: String) throws -> Double {
        guard let byte = reader.peek(), byte == UInt8(ascii: "-") || ASCII.isDigit(byte) else { throw ProposalError.invalid(field, expectation) }
        guard let value = try reader.readFiniteDouble() else { throw ProposalError.invalid(field, expectation) }
        return value
    }

    /// A short identifier-like string: non-empty, no control characters.
    private static func name(_ reader: inout JSONReader, _ field: String, maximum: Int = 200) throws -> String {
        let value = try text(&reader, field)
        guard !value.isEmpty, value.utf8.count <= maximum, !value.utf8.contains(where: { $0 < 0x20 }) else {
            throw ProposalError.invalid(field, "must be a non-empty string of at most \(maximum) bytes without control characters")
        }
        return value
    }

    private static func text(_ reader: inout JSONReader, _ field: String) throws -> String {
        guard reader.peek() == UInt8(ascii: "\"") else { throw ProposalError.invalid(field, "must be a string") }
        let value = try reader.readString()
        guard value.utf8.count <= maximumTextBytes else {
            throw ProposalError.invalid(field, "is longer than \(maximumTextBytes) bytes")
        }
        return value
    }

    /// Money as a JSON number or a decimal string ("2400.00"): exact, never negative, within
    /// ``Money``'s bounds. A malformed number is a JSON error; a well-formed one out of bounds is
    /// this field's error.
    private static func money(_ reader: inout JSONReader, _ field: String) throws -> ExactDecimal {
        let money: Money
        do {
            switch reader.peek() {
            case UInt8(ascii: "\""):
                money = try reader.readString().withUTF8Bytes { bytes in Result { () throws(Money.Refusal) in try Money.parse(bytes) } }.get()
            case .some(let byte) where byte == UInt8(ascii: "-") || ASCII.isDigit(byte):
                money = try reader.readMoney()
            default:
                throw ProposalError.invalid(field, "must be a decimal number")
            }
        } catch let refusal as Money.Refusal {
            throw ProposalError.invalid(field, refusal.description)
        }
        return money.exact
    }

    private static func messages(_ reader: inout JSONReader) throws -> [Message] {
        guard reader.peek() == UInt8(ascii: "[") else { throw ProposalError.invalid("messages", "must be an array") }
        try reader.beginArray()
        var messages: [Message] = []
        var first = true
        while try reader.nextElement(first: first) {
            first = false
            guard reader.peek() == UInt8(ascii: "{") else {
                throw ProposalError.invalid("messages", "must hold objects with role and text")
            }
            try reader.beginObject()
            var role = "customer"
            var text: String?
            var firstMember = true
            while let key = try reader.nextMember(first: firstMember) {
                firstMember = false
                if try reader.readNull() { continue }
                switch key {
                case "role": role = try name(&reader, "messages[\(messages.count)].role", maximum: 64)
                case "text": text = try self.text(&reader, "messages[\(messages.count)].text")
                default: try reader.skipValue()
                }
            }
            guard let text else { throw ProposalError.invalid("messages[\(messages.count)].text", "is required") }
            messages.append(Message(role: role, text: text))
        }
        return messages
    }
}
