import Benchmark
import CountersignCore
import Foundation

/// One decision under the default policy, with a realistic customer message of about 200 bytes
/// and of about 4 KB (the content detectors read every byte), plus a whole `evaluate` line:
/// JSON in, decision, JSON out.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal, .throughput],
        timeUnits: .nanoseconds,
        maxDuration: .seconds(3),
        maxIterations: 10_000_000
    )
    let engine = DecisionEngine(policy: .default)

    let short = proposal(message: Fixtures.message200)
    let long = proposal(message: Fixtures.message4K)
    precondition(Fixtures.message200.utf8.count >= 190 && Fixtures.message200.utf8.count <= 220)
    precondition(Fixtures.message4K.utf8.count >= 4000)

    Benchmark("decide, 200-byte message") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(engine.decide(short)) }
    }
    Benchmark("decide, 4 KB message") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(engine.decide(long)) }
    }

    let line = Array(Fixtures.jsonLine.utf8)
    Benchmark("evaluate line: decode + decide + encode (~400 bytes)") { benchmark in
        var writer = JSONWriter(capacity: 1024)
        for _ in benchmark.scaledIterations {
            writer.bytes.removeAll(keepingCapacity: true)
            let proposal = try line.withUnsafeBufferPointer { try Proposal.decode(json: $0) }
            engine.decide(proposal).writeMembers(to: &writer)
            blackHole(writer.bytes.count)
        }
    }
}

func proposal(message: String) -> Proposal {
    Proposal(
        idempotencyKey: "ticket-1042/refund/1", agent: "support-bot", operation: "refund", confidence: 0.97,
        amount: Decimal(string: "240.00"), currency: "USD", referenceAmount: Decimal(string: "240.00"), subject: "customer-881",
        action: "Refund order A-1042 in full", reasoning: "The item arrived damaged and the customer has a photo",
        impact: "240.00 USD leaves the company account", messages: [Message(role: "customer", text: message)],
        context: .object([JSONMember("order_id", .string("A-1042"))]))
}

enum Fixtures {
    static let message200 =
        "Hi, my order A-1042 arrived damaged yesterday. The box was crushed and the lamp inside is broken. "
        + "Could you refund it please? Ordered 2026-11-20, total 240.00 USD, tracking 1Z999AA10123456784. Thanks!"

    static let message4K = String(repeating: message200 + " ", count: 20)

    static let jsonLine = """
        {"idempotency_key":"ticket-1042/refund/1","agent":"support-bot","operation":"refund","confidence":0.97,\
        "amount":240.00,"currency":"USD","reference_amount":240.00,"subject":"customer-881",\
        "action":"Refund order A-1042 in full","reasoning":"The item arrived damaged",\
        "messages":[{"role":"customer","text":"Hi, my order A-1042 arrived damaged yesterday. The lamp is broken. Could you refund it please?"}],\
        "context":{"order_id":"A-1042"},"at":"2026-11-24T10:15:00Z"}
        """
}
