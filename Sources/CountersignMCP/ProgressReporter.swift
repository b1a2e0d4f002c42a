import Foundation
import MCP

/// Sends `notifications/progress` on one call's progress token with strictly increasing values:
/// the proxy's own "awaiting approval" steps, then the upstream's progress relayed after them.
actor ProgressReporter {
    typealias Send = @Sendable (ProgressNotification.Parameters) async -> Void

    let token: ProgressToken
    private let send: Send
    private var last: Double = 0

    init(token: ProgressToken, send: @escaping Send) {
        self.token = token
        self.send = send
    }

    /// One more step of the proxy's own.
    func report(_ message: String) async {
        last += 1
        await send(.init(progressToken: token, progress: last, message: message))
    }

    /// The upstream's progress, shifted past the proxy's steps (never going back).
    func relay(_ upstream: ProgressNotification.Parameters, base: Double) async {
        let value = max(base + upstream.progress, last + 0.001)
        last = value
        await send(.init(progressToken: token, progress: value, total: upstream.total.map { $0 + base }, message: upstream.message))
    }

    /// The value sent last.
    var current: Double { last }
}

/// Maps the progress tokens the proxy gives upstream calls back to their callers' reporters.
actor ProgressRelay {
    private var routes: [String: (reporter: ProgressReporter, base: Double)] = [:]

    /// A fresh upstream token routed to `reporter`, its values shifted past what was sent so far.
    func route(to reporter: ProgressReporter) async -> ProgressToken {
        let token = "countersign-" + UUID().uuidString.lowercased()
        routes[token] = (reporter, await reporter.current)
        return .string(token)
    }

    func remove(_ token: ProgressToken) {
        if case .string(let key) = token { routes[key] = nil }
    }

    func relay(_ parameters: ProgressNotification.Parameters) async {
        guard case .string(let key) = parameters.progressToken, let route = routes[key] else { return }
        await route.reporter.relay(parameters, base: route.base)
    }
}
