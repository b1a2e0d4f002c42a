import CountersignCore
import Crypto
import Foundation

/// One thing that happened, as the audit log records it.
public struct AuditEvent: Sendable, Hashable {
    /// `proposal`, `decision`, `expiry` or `outcome`.
    public var kind: String
    public var at: Date
    public var proposalID: String
    public var approvalID: String?
    /// Who did it: an agent, an approver, or `system` (the deadline timer).
    public var actor: String
    /// The facts, as a JSON object.
    public var data: JSONValue

    public init(kind: String, at: Date, proposalID: String, approvalID: String?, actor: String, data: JSONValue) {
        self.kind = kind
        self.at = at
        self.proposalID = proposalID
        self.approvalID = approvalID
        self.actor = actor
        self.data = data
    }
}

/// An audit event in the chain.
public struct AuditEntry: Sendable, Hashable {
    public var sequence: Int64
    public var event: AuditEvent
    public var previousHash: String
    public var hash: String
    /// The event's data exactly as the store keeps it (the canonical bytes its hash covers), when
    /// read from a store; verification hashes these, so it never depends on re-encoding them.
    public var storedData: [UInt8]?
    /// Whether `storedData` is a JSON text (`event.data` holds it then; otherwise `null`). An
    /// older version could write data that is not (an amount as `NaN`): its hash still verifies,
    /// and `audit verify` reports the entry as unreadable, not as changed.
    public var isDataReadable: Bool

    public init(sequence: Int64, event: AuditEvent, previousHash: String, hash: String) {
        self.sequence = sequence
        self.event = event
        self.previousHash = previousHash
        self.hash = hash
        self.storedData = nil
        self.isDataReadable = true
    }

    /// An entry as a store read it, its data column as stored.
    public init(
        sequence: Int64, at: Date, kind: String, proposalID: String, approvalID: String?, actor: String, storedData: [UInt8],
        previousHash: String, hash: String
    ) {
        let value = storedData.withUnsafeBufferPointer { buffer -> JSONValue? in
            var reader = JSONReader(buffer)
            guard let value = try? reader.readValue(), reader.atEnd() else { return nil }
            return value
        }
        self.sequence = sequence
        self.event = AuditEvent(kind: kind, at: at, proposalID: proposalID, approvalID: approvalID, actor: actor, data: value ?? .null)
        self.previousHash = previousHash
        self.hash = hash
        self.storedData = storedData
        self.isDataReadable = value != nil
    }
}

/// The tamper-evident chain: each entry's hash is SHA-256 over the previous entry's hash and a
/// canonical encoding of the entry (its sequence number and event, keys sorted, times in
/// milliseconds), so changing, removing or reordering any entry breaks every hash after it.
public enum AuditChain {
    /// The "previous hash" of the first entry.
    public static let genesis = String(repeating: "0", count: 64)

    /// The hash of an entry that follows `previous`.
    public static func hash(previous: String, sequence: Int64, event: AuditEvent) -> String {
        hash(previous: previous, sequence: sequence, event: event, canonicalData: canonicalData(event.data))
    }

    /// The hash of an entry that follows `previous`, its data already in canonical form (what a
    /// store writes to the log, so that the data is encoded once).
    public static func hash(previous: String, sequence: Int64, event: AuditEvent, canonicalData: [UInt8]) -> String {
        var hasher = SHA256()
        var previous = previous
        previous.withUTF8 { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        hasher.update(data: canonical(sequence: sequence, event: event, canonicalData: canonicalData))
        return hex(hasher.finalize())
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// Lowercase hex of a digest.
    public static func hex(_ digest: some Sequence<UInt8>) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(64)
        for byte in digest {
            bytes.append(hexDigits[Int(byte >> 4)])
            bytes.append(hexDigits[Int(byte & 0x0F)])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The canonical bytes of an entry: compact JSON, keys sorted at every level.
    public static func canonical(sequence: Int64, event: AuditEvent) -> [UInt8] {
        canonical(sequence: sequence, event: event, canonicalData: canonicalData(event.data))
    }

    private static func canonical(sequence: Int64, event: AuditEvent, canonicalData: [UInt8]) -> [UInt8] {
        // The top-level keys are written in sorted order directly.
        var writer = JSONWriter(capacity: 256 + canonicalData.count)
        writer.raw("{")
        writer.member("actor", event.actor)
        if let approvalID = event.approvalID { writer.member("approval_id", approvalID) }
        writer.member("at", Int(Millis.from(event.at)))
        writer.member("data")
        writer.bytes.append(contentsOf: canonicalData)
        writer.member("kind", event.kind)
        writer.member("proposal_id", event.proposalID)
        writer.member("sequence", Int(sequence))
        writer.raw("}")
        return writer.bytes
    }

    /// An event's data as compact JSON with the keys of every object sorted (by their UTF-8 bytes).
    public static func canonicalData(_ data: JSONValue) -> [UInt8] {
        var writer = JSONWriter(capacity: 192)
        writeSorted(data, to: &writer)
        return writer.bytes
    }

    private static func writeSorted(_ value: JSONValue, to writer: inout JSONWriter) {
        switch value {
        case .object(let members):
            writer.bytes.append(UInt8(ascii: "{"))
            let order = members.indices.sorted { members[$0].key.utf8.lexicographicallyPrecedes(members[$1].key.utf8) }
            for (position, index) in order.enumerated() {
                if position > 0 { writer.bytes.append(UInt8(ascii: ",")) }
                writer.string(members[index].key)
                writer.bytes.append(UInt8(ascii: ":"))
                writeSorted(members[index].value, to: &writer)
            }
            writer.bytes.append(UInt8(ascii: "}"))
        case .array(let items):
            writer.bytes.append(UInt8(ascii: "["))
            for (position, item) in items.enumerated() {
                if position > 0 { writer.bytes.append(UInt8(ascii: ",")) }
                writeSorted(item, to: &writer)
            }
            writer.bytes.append(UInt8(ascii: "]"))
        default:
            writer.value(value)
        }
    }

    /// Why the chain is broken at an entry.
    public struct Break: Sendable, Hashable, CustomStringConvertible {
        public var sequence: Int64
        public var problem: String
        public var description: String { "audit entry \(sequence): \(problem)" }
    }

    /// Checks entries in order, continuing from `previous` (the last good hash) and the expected
    /// next sequence number; returns the first break.
    public static func verify(
        _ entries: [AuditEntry], previous: inout String, expectedSequence: inout Int64
    ) -> Break? {
        for entry in entries {
            if entry.sequence != expectedSequence {
                return Break(sequence: entry.sequence, problem: "expected entry \(expectedSequence) here: entries are missing or reordered")
            }
            if entry.previousHash != previous {
                return Break(sequence: entry.sequence, problem: "its previous hash does not match the entry before it")
            }
            let data = entry.storedData ?? canonicalData(entry.event.data)
            if hash(previous: previous, sequence: entry.sequence, event: entry.event, canonicalData: data) != entry.hash {
                return Break(sequence: entry.sequence, problem: "its content does not match its hash: the entry was changed")
            }
            previous = entry.hash
            expectedSequence += 1
        }
        return nil
    }
}
