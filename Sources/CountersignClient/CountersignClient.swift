import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// An agent's client of a Countersign gateway: propose an action, wait for a human when the
/// policy holds it, run it only when allowed, and report what happened.
///
/// ```swift
/// let countersign = CountersignClient(configuration: .init(
///     baseURL: URL(string: "http://127.0.0.1:8080")!, agentKey: key))
/// let refund = Proposal(agent: "support-bot", operation: "refund", confidence: 0.9,
///                       action: "Refund order A-1042", amount: 120, fallback: "Tell the customer we'll follow up")
/// switch try await countersign.guarded(refund, execute: { try await payments.refund("A-1042") }) {
/// case .executed(let receipt, _): reply("Refunded: \(receipt)")
/// case .fallback(let fallback): reply(fallback.text)
/// }
/// ```
///
/// Every request that fails in transit (or with a 5xx or 429) is retried with backoff. A proposal
/// keeps its idempotency key through retries, so a retried `propose` never creates a second
/// proposal. Long polls reconnect until their timeout. Safe to share between tasks.
public struct CountersignClient: Sendable {
    /// Where the gateway is and how to talk to it.
    public struct Configuration: Sendable {
        /// The gateway's base URL (`http://127.0.0.1:8080`).
        public var baseURL: URL
        /// The agent key (`Authorization: Bearer …`). Never logged or put in an error.
        public var agentKey: String
        /// Retries of failed requests.
        public var retry: RetryPolicy
        /// The read timeout of an ordinary request.
        public var requestTimeout: Duration
        /// The longest single long poll (`wait=`) a `wait(for:timeout:)` sends; the server allows 300 s.
        public var longPollChunk: Duration

        /// A configuration with sensible defaults.
        public init(
            baseURL: URL, agentKey: String, retry: RetryPolicy = RetryPolicy(), requestTimeout: Duration = .seconds(30),
            longPollChunk: Duration = .seconds(60)
        ) {
            self.baseURL = baseURL
            self.agentKey = agentKey
            self.retry = retry
            self.requestTimeout = requestTimeout
            self.longPollChunk = longPollChunk
        }
    }

    /// The configuration the client was made with.
    public let configuration: Configuration
    let session: URLSession

    /// A client. Its URLSession is ephemeral: no cookies, no cache.
    public init(configuration: Configuration) {
        self.configuration = configuration
        let sessionConfiguration = URLSessionConfiguration.ephemeral
        sessionConfiguration.timeoutIntervalForRequest = configuration.requestTimeout.seconds
        sessionConfiguration.timeoutIntervalForResource = 24 * 3600
        sessionConfiguration.urlCache = nil
        sessionConfiguration.requestCachePolicy = .reloadIgnoringLocalCacheData
        sessionConfiguration.httpMaximumConnectionsPerHost = 16
        self.session = URLSession(configuration: sessionConfiguration)
    }

    /// Proposes an action and returns the gateway's verdict.
    ///
    /// Retries reuse the proposal's idempotency key: when an earlier attempt reached the gateway
    /// (or the same proposal was proposed before), the answer is that first proposal's verdict,
    /// with `isReplay` set, and nothing new is created.
    ///
    /// - Throws: `CountersignError.refused` (4xx, e.g. `invalid_proposal`, or
    ///   `idempotency_key_reused` when the key was used for a different proposal),
    ///   `.network` after the last retry, `.invalidResponse`.
    public func propose(_ proposal: Proposal) async throws -> Verdict {
        let body = try Self.encoder.encode(proposal)
        let response = try await send("POST", path: "/v1/proposals", body: body)
        var verdict: Verdict = try decode(response.data)
        verdict.isReplay = response.status == 200
        return verdict
    }

    /// The approval as it stands now.
    public func approval(_ id: String) async throws -> Approval {
        try decode(try await send("GET", path: "/v1/approvals/\(Self.escape(id))").data)
    }

    /// A stored proposal of this agent, with its verdict, approval and outcome.
    public func proposalRecord(_ id: String) async throws -> ProposalRecord {
        try decode(try await send("GET", path: "/v1/proposals/\(Self.escape(id))").data)
    }

    /// Waits until the approval is decided or expires, or until `timeout` passes, and returns it
    /// as it then stands (still `pending` when the timeout passed first; that is not an error).
    ///
    /// Long polls (`GET /v1/approvals/{id}?wait=N`) of at most `longPollChunk` each; a dropped
    /// connection or a restarting gateway is retried with backoff until the timeout.
    ///
    /// - Throws: `.network` when the gateway could not be reached at all before the timeout,
    ///   `.refused` (e.g. `not_found`), `CancellationError` when the task is cancelled.
    public func wait(for approvalID: String, timeout: Duration) async throws -> Approval {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        var latest: Approval?
        var failures = 0
        var lastFailure = ""
        while true {
            try Task.checkCancellation()
            let remaining = deadline - clock.now
            let chunk = max(min(remaining, configuration.longPollChunk), .zero)
            do {
                let path = "/v1/approvals/\(Self.escape(approvalID))?wait=\(Self.seconds(chunk))"
                let response = try await send("GET", path: path, retrying: false, readTimeout: chunk + .seconds(15))
                let approval: Approval = try decode(response.data)
                if approval.status.isFinal { return approval }
                latest = approval
                failures = 0
            } catch let error as CountersignError {
                guard case .network(let detail) = error else { throw error }
                failures += 1
                lastFailure = detail
                let pause = configuration.retry.backoff(afterFailures: failures)
                if clock.now + pause >= deadline {
                    if let latest { return latest }
                    throw CountersignError.network(lastFailure)
                }
                try await Task.sleep(for: pause)
                continue
            }
            if clock.now >= deadline, let latest { return latest }
        }
    }

    /// Reports what happened after executing a proposal (`POST /v1/proposals/{id}/outcome`).
    ///
    /// A retry whose earlier attempt already recorded the outcome is recognised (the gateway's
    /// 409 `outcome_recorded` after a lost answer counts as success).
    ///
    /// - Throws: `.refused` (`outcome_recorded` when an outcome was reported before, `not_found`),
    ///   `.network`.
    public func report(outcome: Outcome, detail: String? = nil, for proposalID: String) async throws {
        var body: [String: String] = ["outcome": outcome.rawValue]
        if let detail { body["detail"] = detail }
        let data = try Self.encoder.encode(body)
        _ = try await send("POST", path: "/v1/proposals/\(Self.escape(proposalID))/outcome", body: data, repeatIsSuccess: "outcome_recorded")
    }

    /// Uses an approved action, exactly once (`POST /v1/approvals/{id}/consume`): call it right
    /// before executing. `binding` must be the proposal's `context.binding` (nil when it has none).
    /// Of concurrent callers, across processes and hosts, exactly one succeeds.
    ///
    /// Not retried: an answer lost in transit must not turn into a second attempt, so a network
    /// failure here means "do not execute" (the approval may be used up; propose again).
    ///
    /// - Throws: `.refused` with `already_consumed` (used before: do not execute), `not_approved`,
    ///   `binding_mismatch` (an edited call), `not_found`; `.network`.
    @discardableResult
    public func consume(approvalID: String, binding: String?) async throws -> Approval {
        let body = try Self.encoder.encode(["binding": binding])
        return try decode(try await send("POST", path: "/v1/approvals/\(Self.escape(approvalID))/consume", body: body, retrying: false).data)
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    static func escape(_ component: String) -> String {
        component.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/?#"))) ?? component
    }

    /// `Duration` as the API's seconds (`2.5`), to the millisecond.
    static func seconds(_ duration: Duration) -> String {
        let milliseconds = Int64((duration.seconds * 1000).rounded(.down))
        if milliseconds % 1000 == 0 { return String(milliseconds / 1000) }
        return String(format: "%d.%03d", milliseconds / 1000, milliseconds % 1000)
    }

    func decode<T: Decodable>(_ data: Data) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch {
            throw CountersignError.invalidResponse("\(T.self): \(error)")
        }
    }
}

extension Duration {
    /// The duration in seconds, as a `Double`.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
