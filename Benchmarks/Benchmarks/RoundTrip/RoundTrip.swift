// Durable approval round trips against a running Countersign server, with a client that costs
// little CPU (SwiftNIO, keep-alive HTTP/1.1), so that on a small machine the server, not the load
// generator, is what is measured. Same protocol and output as Benchmarks/gateway/roundtrip.py:
//
//   1. the agent POSTs /v1/proposals (a 600 USD refund: level `approve`, a pending approval);
//   2. it sends GET /v1/approvals/{id}?wait=30 (a long poll) on its own connection;
//   3. once that request is on the wire, an approver POSTs the decision on another connection;
//   4. the round trip ends when the long poll answers `approved`.
//
//   countersign-roundtrip --url http://127.0.0.1:18080 --agents 32 --duration 20 --runs 3 --json
//
// Several replicas: `--url A,B` spreads the agents over A and B (agent i on the i-th, round robin),
// and `--approver-url B,A` sends agent i's decisions to the i-th of that list (default: `--url`).
//
// Credentials come from COUNTERSIGN_AGENT_KEY, COUNTERSIGN_APPROVER_TOKEN, COUNTERSIGN_AGENT_NAME.
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// Where requests go: a loopback host and port.
struct Endpoint {
    var host = "127.0.0.1"
    var port = 18080

    static func parse(_ list: String, option: String) throws -> [Endpoint] {
        try list.split(separator: ",").map { url in
            guard let components = URLComponents(string: String(url)), let host = components.host,
                ["127.0.0.1", "localhost", "::1"].contains(host)
            else { throw BenchError("\(option) must point at 127.0.0.1 or localhost") }
            return Endpoint(host: host, port: components.port ?? 80)
        }
    }
}

struct Options {
    var agentEndpoints = [Endpoint()]
    var approverEndpoints: [Endpoint]?
    var agents = 32
    var duration = 20.0
    var warmup = 2.0
    var runs = 3
    var wait = 30
    var json = false
    var agentKey = ProcessInfo.processInfo.environment["COUNTERSIGN_AGENT_KEY"] ?? ""
    var approverToken = ProcessInfo.processInfo.environment["COUNTERSIGN_APPROVER_TOKEN"] ?? ""
    var agentName = ProcessInfo.processInfo.environment["COUNTERSIGN_AGENT_NAME"] ?? "trial-agent"

    static func parse(_ arguments: [String]) throws -> Options {
        var options = Options()
        var iterator = arguments.makeIterator()
        func value(_ name: String) throws -> String {
            guard let value = iterator.next() else { throw BenchError("\(name) needs a value") }
            return value
        }
        while let argument = iterator.next() {
            switch argument {
            case "--url": options.agentEndpoints = try Endpoint.parse(try value(argument), option: argument)
            case "--approver-url": options.approverEndpoints = try Endpoint.parse(try value(argument), option: argument)
            case "--agents": options.agents = Int(try value(argument)) ?? options.agents
            case "--duration": options.duration = Double(try value(argument)) ?? options.duration
            case "--warmup": options.warmup = Double(try value(argument)) ?? options.warmup
            case "--runs": options.runs = Int(try value(argument)) ?? options.runs
            case "--wait": options.wait = Int(try value(argument)) ?? options.wait
            case "--json": options.json = true
            default: throw BenchError("unknown option \(argument)")
            }
        }
        guard !options.agentEndpoints.isEmpty, options.approverEndpoints?.isEmpty != true else { throw BenchError("an empty URL list") }
        guard !options.agentKey.isEmpty, !options.approverToken.isEmpty else {
            throw BenchError("set COUNTERSIGN_AGENT_KEY and COUNTERSIGN_APPROVER_TOKEN")
        }
        return options
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

typealias ClientChannel = NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>

/// One keep-alive HTTP/1.1 connection, used by one task at a time.
final class Connection: @unchecked Sendable {
    private var inbound: NIOAsyncChannelInboundStream<HTTPClientResponsePart>.AsyncIterator
    private let outbound: NIOAsyncChannelOutboundWriter<HTTPClientRequestPart>
    private let host: String

    init(
        _ inbound: NIOAsyncChannelInboundStream<HTTPClientResponsePart>, _ outbound: NIOAsyncChannelOutboundWriter<HTTPClientRequestPart>,
        host: String
    ) {
        self.inbound = inbound.makeAsyncIterator()
        self.outbound = outbound
        self.host = host
    }

    static func open(_ endpoint: Endpoint) async throws -> ClientChannel {
        try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connect(host: endpoint.host, port: endpoint.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    return try ClientChannel(wrappingChannelSynchronously: channel)
                }
            }
    }

    /// Sends a request (the whole of it is written before this returns).
    func send(_ method: HTTPMethod, _ path: String, token: String, body: String? = nil) async throws {
        var head = HTTPRequestHead(version: .http1_1, method: method, uri: path)
        head.headers.add(name: "Host", value: host)
        head.headers.add(name: "Authorization", value: "Bearer \(token)")
        if let body {
            head.headers.add(name: "Content-Type", value: "application/json")
            head.headers.add(name: "Content-Length", value: String(body.utf8.count))
        }
        try await outbound.write(.head(head))
        if let body { try await outbound.write(.body(.byteBuffer(ByteBuffer(string: body)))) }
        try await outbound.write(.end(nil))
    }

    /// Reads one response: its status and JSON body.
    func receive() async throws -> (status: Int, json: [String: Any]) {
        var status = 0
        var body = ByteBuffer()
        while let part = try await inbound.next() {
            switch part {
            case .head(let head): status = Int(head.status.code)
            case .body(var buffer): body.writeBuffer(&buffer)
            case .end:
                let object = try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any] ?? [:]
                return (status, object)
            }
        }
        throw BenchError("the server closed the connection")
    }

    func request(_ method: HTTPMethod, _ path: String, token: String, body: String? = nil) async throws -> (status: Int, json: [String: Any]) {
        try await send(method, path, token: token, body: body)
        return try await receive()
    }
}

struct RunResult {
    var completed = 0
    var latencies: [Double] = []
    var wakeClient: [Double] = []
    var wakeServer: [Double] = []
    var pollFirst = 0
    var repolls = 0
    var errors: [String] = []

    mutating func merge(_ other: RunResult) {
        completed += other.completed
        latencies += other.latencies
        wakeClient += other.wakeClient
        wakeServer += other.wakeServer
        pollFirst += other.pollFirst
        repolls += other.repolls
        errors += other.errors
    }
}

func proposalBody(_ options: Options, tag: String) -> String {
    """
    {"idempotency_key":"bench/\(tag)/refund/1","agent":"\(options.agentName)","operation":"refund","confidence":0.995,\
    "amount":600.00,"currency":"USD","subject":"bench-customer-\(tag)","action":"Refund order B-\(tag) in full",\
    "reasoning":"The customer received a damaged item and sent photos","impact":"Money leaves the company account",\
    "messages":[{"role":"customer","text":"The blender arrived broken, I would like my money back"}],\
    "context":{"order_id":"B-\(tag)"},"fallback":"Tell the customer a specialist will follow up within 24 hours"}
    """
}

let decisionBody = #"{"decision":"approve","comment":"benchmark"}"#
let wallClock = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

/// One agent's loop on its own two connections (the agent's and its approver's).
func agentLoop(_ options: Options, index: Int, run: Int, start: ContinuousClock.Instant, end: ContinuousClock.Instant) async throws -> RunResult {
    let agentEndpoint = options.agentEndpoints[index % options.agentEndpoints.count]
    let approverEndpoints = options.approverEndpoints ?? options.agentEndpoints
    let approverEndpoint = approverEndpoints[index % approverEndpoints.count]
    let agentChannel = try await Connection.open(agentEndpoint)
    let approverChannel = try await Connection.open(approverEndpoint)
    return try await agentChannel.executeThenClose { agentIn, agentOut in
        try await approverChannel.executeThenClose { approverIn, approverOut in
            let agent = Connection(agentIn, agentOut, host: agentEndpoint.host)
            let approver = Connection(approverIn, approverOut, host: approverEndpoint.host)
            var result = RunResult()
            var n = 0
            let clock = ContinuousClock()
            while clock.now < end {
                n += 1
                let tag = "\(getpid())-\(run)-\(index)-\(n)"
                let began = clock.now
                do {
                    let verdict = try await agent.request(.POST, "/v1/proposals", token: options.agentKey, body: proposalBody(options, tag: tag))
                    guard verdict.status == 201 || verdict.status == 200, verdict.json["level"] as? String == "approve",
                        let approval = verdict.json["approval"] as? [String: Any], let id = approval["id"] as? String
                    else { throw BenchError("proposal: HTTP \(verdict.status) \(verdict.json)") }
                    try await agent.send(.GET, "/v1/approvals/\(id)?wait=\(options.wait)", token: options.agentKey)
                    async let decided: (Int, [String: Any], Date) = {
                        let answer = try await approver.request(
                            .POST, "/v1/approvals/\(id)/decision", token: options.approverToken, body: decisionBody)
                        return (answer.status, answer.json, Date())
                    }()
                    var poll = try await agent.receive()
                    var received = Date()
                    var polls = 1
                    while poll.json["status"] as? String == "pending", polls < 3 {
                        result.repolls += 1
                        polls += 1
                        poll = try await agent.request(.GET, "/v1/approvals/\(id)?wait=\(options.wait)", token: options.agentKey)
                        received = Date()
                    }
                    let decision = try await decided
                    guard decision.0 == 200, decision.1["status"] as? String == "approved" else {
                        throw BenchError("decision: HTTP \(decision.0) \(decision.1)")
                    }
                    guard poll.status == 200, poll.json["status"] as? String == "approved" else {
                        throw BenchError("long poll ended with HTTP \(poll.status) \(poll.json)")
                    }
                    let done = clock.now
                    if done >= start && done <= end {
                        result.completed += 1
                        result.latencies.append((done - began).seconds)
                        result.wakeClient.append(received.timeIntervalSince(decision.2))
                        if received < decision.2 { result.pollFirst += 1 }
                        if let text = poll.json["decided_at"] as? String, let decidedAt = try? wallClock.parse(text) {
                            result.wakeServer.append(received.timeIntervalSince(decidedAt))
                        }
                    }
                } catch {
                    result.errors.append(String(describing: error))
                    if result.errors.count >= 20 { throw error }
                    try await Task.sleep(for: .milliseconds(50))
                }
            }
            return result
        }
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

func percentile(_ values: [Double], _ p: Double) -> Double {
    guard !values.isEmpty else { return .nan }
    let sorted = values.sorted()
    let rank = Int((p / 100 * Double(sorted.count) + 0.5).rounded(.down)) - 1
    return sorted[min(max(rank, 0), sorted.count - 1)]
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return 0 }
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

@main
struct RoundTrip {
    static func main() async {
        do {
            let options = try Options.parse(Array(CommandLine.arguments.dropFirst()))
            var total = RunResult()
            var rates: [Double] = []
            for run in 0..<options.runs {
                let clock = ContinuousClock()
                let start = clock.now.advanced(by: .seconds(options.warmup))
                let end = start.advanced(by: .seconds(options.duration))
                let result = try await withThrowingTaskGroup(of: RunResult.self) { group in
                    for index in 0..<options.agents {
                        group.addTask { try await agentLoop(options, index: index, run: run, start: start, end: end) }
                    }
                    var merged = RunResult()
                    for try await part in group { merged.merge(part) }
                    return merged
                }
                let rate = Double(result.completed) / options.duration
                rates.append(rate)
                print(
                    String(
                        format: "  countersign run %d: %d round trips in %.0f s = %8.1f/s  p50 %8.2f ms  p99 %8.2f ms  wake p50 %8.2f ms  errors %d",
                        run + 1, result.completed, options.duration, rate, percentile(result.latencies, 50) * 1000,
                        percentile(result.latencies, 99) * 1000, percentile(result.wakeClient, 50) * 1000, result.errors.count))
                for error in result.errors.prefix(5) { FileHandle.standardError.write(Data("    error: \(error)\n".utf8)) }
                total.merge(result)
            }
            let summary: [String: Any] = [
                "bench": "countersign", "agents": options.agents, "duration_s": options.duration, "runs": options.runs,
                "client_loop": "swift-nio", "rates": rates, "median_rate": median(rates),
                "p50_ms": percentile(total.latencies, 50) * 1000, "p99_ms": percentile(total.latencies, 99) * 1000,
                "wake_client_p50_ms": percentile(total.wakeClient, 50) * 1000, "wake_client_p99_ms": percentile(total.wakeClient, 99) * 1000,
                "wake_server_p50_ms": percentile(total.wakeServer, 50) * 1000, "wake_server_p99_ms": percentile(total.wakeServer, 99) * 1000,
                "decided_at_has_subseconds": true, "poll_answer_before_decision_answer": total.pollFirst, "repolls": total.repolls,
                "errors": total.errors.count,
            ]
            print(
                String(
                    format: "countersign (%d agents, client swift-nio): median %.1f round trips/s over %d runs; round trip p50 %.2f ms, p99 %.2f ms",
                    options.agents, median(rates), options.runs, percentile(total.latencies, 50) * 1000, percentile(total.latencies, 99) * 1000))
            print(
                String(
                    format: "  wake-up, decision answer -> long-poll answer: p50 %.2f ms, p99 %.2f ms (%d of %d long-poll answers came first)",
                    percentile(total.wakeClient, 50) * 1000, percentile(total.wakeClient, 99) * 1000, total.pollFirst, total.wakeClient.count))
            print(
                String(
                    format: "  wake-up, decided_at -> long-poll answer: p50 %.2f ms, p99 %.2f ms",
                    percentile(total.wakeServer, 50) * 1000, percentile(total.wakeServer, 99) * 1000))
            print("  long-polls repeated: \(total.repolls); errors: \(total.errors.count)")
            if options.json {
                let data = try JSONSerialization.data(
                    withJSONObject: summary.mapValues { value -> Any in
                        if let double = value as? Double, !double.isFinite { return NSNull() }
                        return value
                    }, options: [.sortedKeys])
                print(String(decoding: data, as: UTF8.self))
            }
            exit(total.errors.isEmpty ? 0 : 1)
        } catch {
            FileHandle.standardError.write(Data("countersign-roundtrip: \(error)\n".utf8))
            exit(2)
        }
    }
}
