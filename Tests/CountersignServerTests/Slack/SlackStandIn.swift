import Foundation
import HTTPTypes
import Hummingbird
import Synchronization

/// A local stand-in for Slack's Web API (`/api/chat.postMessage`, `/api/chat.update`) and for
/// interaction `response_url`s (`/response/...`): it records every request and answers as Slack
/// documents (`{"ok": true, "channel": …, "ts": …}`), or with the failures a test queues.
final class SlackStandIn: Sendable {
    struct Recorded: Sendable {
        var path: String
        var headers: [String: String]
        var body: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any] ?? [:] }
        var bytes: [UInt8]
        var text: String { String(decoding: bytes, as: UTF8.self) }
    }

    /// What to answer next instead of success: a status, headers and a body.
    struct Failure: Sendable {
        var status: HTTPResponse.Status
        var headers: [String: String] = [:]
        var body: String
    }

    private let recorded = Mutex([Recorded]())
    private let failures = Mutex([Failure]())
    private let counter = Mutex(0)

    var requests: [Recorded] { recorded.withLock { $0 } }
    func requests(_ path: String) -> [Recorded] { requests.filter { $0.path == path } }
    func fail(next failure: Failure) { failures.withLock { $0.append(failure) } }

    /// Waits (up to `timeout`) until `path` was called at least `count` times.
    func waitFor(_ path: String, count: Int, timeout: Duration = .seconds(15)) async throws -> [Recorded] {
        let clock = ContinuousClock()
        let end = clock.now + timeout
        while clock.now < end {
            let found = requests(path)
            if found.count >= count { return found }
            try await Task.sleep(for: .milliseconds(25))
        }
        return requests(path)
    }

    /// Runs the stand-in on a free loopback port for the duration of `body`.
    func run<Value: Sendable>(_ body: @Sendable (_ baseURL: String) async throws -> Value) async throws -> Value {
        let router = Router()
        router.post("/api/:method") { request, context -> Response in try await self.answer(request, context: context, api: true) }
        router.post("/response/:id") { request, context -> Response in try await self.answer(request, context: context, api: false) }
        let (port, portContinuation) = AsyncStream<Int>.makeStream()
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                portContinuation.yield(channel.localAddress?.port ?? 0)
                portContinuation.finish()
            })
        return try await withThrowingTaskGroup(of: Value?.self) { group in
            group.addTask {
                try await app.runService()
                return nil
            }
            var iterator = port.makeAsyncIterator()
            guard let bound = await iterator.next() else { throw CancellationError() }
            let value = try await body("http://127.0.0.1:\(bound)")
            group.cancelAll()
            return value
        }
    }

    private func answer(_ request: Request, context: BasicRequestContext, api: Bool) async throws -> Response {
        let buffer = try await request.body.collect(upTo: 1 << 20)
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        let entry = Recorded(path: request.uri.path, headers: headers, bytes: Array(buffer.readableBytesView))
        recorded.withLock { $0.append(entry) }
        if api, let failure = failures.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) {
            var fields = HTTPFields()
            for (name, value) in failure.headers { fields[HTTPField.Name(name)!] = value }
            fields[.contentType] = "application/json"
            return Response(status: failure.status, headers: fields, body: .init(byteBuffer: ByteBuffer(string: failure.body)))
        }
        guard api else { return Response(status: .ok) }
        let number = counter.withLock {
            $0 += 1
            return $0
        }
        let channel = (entry.body["channel"] as? String).map { $0.hasPrefix("U") ? "D" + $0.dropFirst() : $0 } ?? "C0"
        let ts = entry.body["ts"] as? String ?? String(format: "1700000000.%06d", number)
        let json = #"{"ok":true,"channel":"\#(channel)","ts":"\#(ts)","message":{"text":"..."}}"#
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: json)))
    }
}
