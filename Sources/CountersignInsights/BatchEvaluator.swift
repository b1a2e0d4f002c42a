import CountersignCore
import Foundation

/// `countersign evaluate`: proposals as JSON lines in, one verdict or error line out per line, in
/// order. Per-subject rules follow the stream's own order and `at` (the start time when absent).
public struct BatchEvaluator {
    private let engine: DecisionEngine
    private var history: InMemoryDecisionHistory
    private let startTime: Date
    private var latest: Date
    private var sinceSweep = 0
    /// How many lines were refused.
    public private(set) var failures = 0

    public init(policy: Policy, now: Date = Date()) {
        engine = DecisionEngine(policy: policy)
        history = InMemoryDecisionHistory(policy: policy)
        startTime = now
        latest = now
    }

    /// Evaluates the whole input and writes the output; returns the number of refused lines.
    public mutating func run(input: Int32, output: Int32) throws -> Int {
        var out = OutputBuffer(fileDescriptor: output)
        try LineReader(fileDescriptor: input).forEachLine { line, number in
            switch line {
            case .bytes(let bytes): evaluate(bytes, line: number, into: &out.writer)
            case .tooLong: writeError(line: number, ProposalError(code: .invalidJSON, message: "line is longer than 1 MiB"), into: &out.writer)
            }
            try out.flushIfFull()
        }
        try out.flush()
        return failures
    }

    /// Evaluates one line and appends its output line.
    public mutating func evaluate(_ bytes: UnsafeBufferPointer<UInt8>, line: Int, into writer: inout JSONWriter) {
        let proposal: Proposal
        do {
            proposal = try Proposal.decode(json: bytes)
            try engine.validate(proposal)
        } catch {
            writeError(line: line, error, into: &writer)
            return
        }
        let now = proposal.at ?? startTime
        var subjectHistory = SubjectHistory.empty
        if let query = engine.historyQuery(for: proposal, now: now) { subjectHistory = history.history(for: query) }
        let verdict = engine.decide(proposal, history: subjectHistory)
        if let subject = proposal.subject {
            history.record(subject: subject, at: now, confidence: proposal.confidence, verdict: verdict)
        }
        forgetIdleSubjects(now: now)

        writer.raw("{")
        writer.member("line", line)
        if let key = proposal.idempotencyKey { writer.member("idempotency_key", key) }
        verdict.writeMembers(to: &writer)
        writer.raw("}\n")
    }

    private mutating func writeError(line: Int, _ error: ProposalError, into writer: inout JSONWriter) {
        failures += 1
        writer.raw("{")
        writer.member("line", line)
        writer.member("error")
        writer.raw("{")
        writer.member("code", error.code.rawValue)
        writer.member("message", error.message)
        writer.raw("}}\n")
    }

    /// Every 64k lines, forget subjects idle for longer than the rules look back.
    private mutating func forgetIdleSubjects(now: Date) {
        latest = max(latest, now)
        sinceSweep += 1
        if sinceSweep >= 65536 {
            sinceSweep = 0
            history.forgetIdle(now: latest)
        }
    }
}
