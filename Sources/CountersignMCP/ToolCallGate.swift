import CountersignClient
import Crypto
import Foundation
import Logging
import MCP

import struct CountersignCore.Money

/// Decides one `tools/call`: proposes it to the gateway, waits for a human when the verdict holds
/// it, and forwards it to the upstream only when allowed, consuming the approval exactly once.
/// Everything that is not an explicit "yes" is a result with `isError: true` carrying the fallback.
struct ToolCallGate: Sendable {
    /// Calls the upstream (cancellable: cancelling the task cancels the upstream request).
    typealias Forward = @Sendable (_ name: String, _ arguments: [String: Value]?, _ progress: ProgressReporter?) async throws -> CallTool.Result
    /// The upstream's description of a tool, when it listed one.
    typealias ToolLookup = @Sendable (_ name: String) async -> Tool?

    let configuration: ProxyConfiguration
    let upstreamName: String
    let gateway: CountersignClient
    let ledger: ApprovalLedger
    let forward: Forward
    let toolLookup: ToolLookup
    let logger: Logger

    /// The meta key a caller sets to give the call's confidence (0…1).
    static let confidenceKey = "dev.countersign/confidence"

    func call(_ parameters: CallTool.Parameters, progress: ProgressReporter?) async throws -> CallTool.Result {
        let arguments = parameters.arguments ?? [:]
        let binding = CallBinding(upstream: upstreamName, tool: parameters.name, arguments: arguments)
        let rule = configuration.tools[parameters.name]
        let fallbackText = rule?.fallback ?? configuration.defaultFallback
        var logger = logger
        logger[metadataKey: "mcp.tool"] = "\(parameters.name)"
        logger[metadataKey: "mcp.binding"] = "\(binding.digest.prefix(16))"

        // A generation that another call consumed between our propose and our consume means the
        // answer was used: propose again (a new proposal, which needs its own answer).
        for _ in 0..<8 {
            try Task.checkCancellation()
            let generation: Int
            do { generation = try await ledger.generation(of: binding) } catch {
                return Self.failure(.internalError, "\(error)", fallback: fallbackText)
            }
            let proposal: Proposal
            switch await makeProposal(parameters, arguments: arguments, rule: rule, binding: binding, generation: generation) {
            case .success(let made): proposal = made
            case .failure(let refusal):
                // Fail closed: an amount that cannot be judged is never dropped (the call would
                // then pass the amount rules), and the call is not made.
                return Self.failure(.refused, refusal.description, fallback: fallbackText)
            }
            let verdict: Verdict
            do {
                verdict = try await gateway.propose(proposal)
            } catch let error as CountersignError {
                return try await unreachableOrRefused(error, parameters, progress: progress, fallback: fallbackText, logger: logger)
            }
            logger[metadataKey: "proposal.id"] = "\(verdict.proposalID)"
            if verdict.isReplay, try await alreadyExecuted(verdict) {
                _ = try? await ledger.consume(binding, generation: generation)
                continue
            }
            let fallback = verdict.approval?.fallback ?? fallbackText
            switch verdict.level {
            case .auto, .notify:
                guard try await consume(binding, generation) else { continue }
                logger.info("forwarding", metadata: ["verdict.level": "\(verdict.level.rawValue)"])
                return try await forwardAndReport(parameters, verdict: verdict, progress: progress)
            case .escalate:
                if verdict.approval?.status.isFinal == true { _ = try await consume(binding, generation) }
                logger.info("escalated; not forwarded")
                return Self.notExecuted(.escalated, verdict: verdict, approval: nil, fallback: fallback)
            case .approve:
                guard let held = verdict.approval else {
                    return Self.failure(.internalError, "an approve verdict without an approval", fallback: fallback)
                }
                let approval: Approval
                do {
                    approval = try await waitForHuman(held.id, deadline: held.deadline, progress: progress)
                } catch let error as CountersignError {
                    return Self.failure(.unreachable, "the approval gateway stopped answering while waiting: \(error)", fallback: fallback)
                }
                switch approval.status {
                case .pending:
                    logger.info("still pending when the wait ran out", metadata: ["approval.id": "\(approval.id)"])
                    return Self.notExecuted(.stillPending, verdict: verdict, approval: approval, fallback: fallback)
                case .rejected, .takenOver, .expired:
                    _ = try await consume(binding, generation)
                    logger.info("not approved", metadata: ["approval.id": "\(approval.id)", "approval.status": "\(approval.status.rawValue)"])
                    let status: GateStatus = approval.status == .rejected ? .rejected : approval.status == .expired ? .expired : .takenOver
                    return Self.notExecuted(status, verdict: verdict, approval: approval, fallback: fallback)
                case .approved:
                    // The gateway's single use: the approval must be bound to this very call, and of
                    // every proxy sharing this agent key (on any host) exactly one call gets it.
                    do {
                        try await gateway.consume(approvalID: approval.id, binding: binding.digest)
                    } catch let error as CountersignError where error.code == "already_consumed" {
                        logger.info("another identical call used this approval; proposing again", metadata: ["approval.id": "\(approval.id)"])
                        _ = try await consume(binding, generation)
                        continue
                    } catch let error as CountersignError {
                        logger.warning("could not use the approval", metadata: ["approval.id": "\(approval.id)", "error": "\(error)"])
                        return Self.failure(.refused, "the approval could not be used, so the call was not made: \(error)", fallback: fallback)
                    }
                    // Moves this host's generation on (another local call may have moved it already:
                    // the gateway's answer is the one that counts).
                    _ = try await consume(binding, generation)
                    logger.info("approved; forwarding", metadata: ["approval.id": "\(approval.id)"])
                    return try await forwardAndReport(parameters, verdict: verdict, progress: progress)
                }
            }
        }
        return Self.failure(.internalError, "the call's approvals kept being used by identical concurrent calls", fallback: fallbackText)
    }

    // MARK: - Steps

    private func makeProposal(
        _ parameters: CallTool.Parameters, arguments: [String: Value], rule: ProxyConfiguration.ToolRule?, binding: CallBinding, generation: Int
    ) async -> Result<Proposal, AmountRefusal> {
        var operation = rule?.operation ?? parameters.name
        if rule?.operation == nil, configuration.trustedUpstream, await toolLookup(parameters.name)?.annotations.readOnlyHint == true {
            operation = configuration.readOnlyOperation
        }
        var confidence = rule?.confidence ?? configuration.defaultConfidence
        if let meta = parameters._meta?[Self.confidenceKey] {
            let value = meta.doubleValue ?? meta.intValue.map(Double.init)
            if let value, (0...1).contains(value) { confidence = value }
        }
        let root = Value.object(arguments)
        var amount: Decimal?
        if let pointer = rule?.amount, let value = root.at(pointer: pointer), value != .null {
            switch value.money {
            case .success(let money): amount = money.decimal
            case .failure(let refusal): return .failure(AmountRefusal(pointer: pointer, refusal: refusal))
            }
        }
        let currency = rule?.currency.flatMap { root.at(pointer: $0)?.stringValue }
        let subject = rule?.subject.flatMap { root.at(pointer: $0) }.map { $0.stringValue ?? CallBinding.canonical($0) }
        let shown = CallBinding.canonical(root)
        let action =
            "Call the tool \(parameters.name) of the MCP server \(upstreamName) with \(shown.count > 4000 ? String(shown.prefix(4000)) + "…" : shown)"
        var proposal = Proposal(
            agent: configuration.agent, operation: operation, confidence: confidence, action: action, amount: amount, currency: currency,
            subject: subject,
            context: [
                "binding": .string(binding.digest),
                "mcp": .object([
                    "upstream": .string(upstreamName), "tool": .string(parameters.name), "arguments": root.jsonValue,
                ]),
            ],
            fallback: rule?.fallback, timeout: configuration.approvalTimeout, idempotencyKey: "")
        // The key names the binding, the generation, and the rest of the proposal (a retry with
        // another confidence is another proposal rather than a refused reuse of the key).
        let body = (try? JSONEncoder.sorted.encode(proposal)) ?? Data()
        let bodyDigest = SHA256.hash(data: body).prefix(8).map { String(format: "%02x", $0) }.joined()
        proposal.idempotencyKey = "mcp/\(binding.digest.prefix(32))/\(bodyDigest)/\(generation)"
        return .success(proposal)
    }

    /// The argument an amount pointer names is not an amount the gateway accepts.
    struct AmountRefusal: Error, CustomStringConvertible {
        var pointer: String
        var refusal: Money.Refusal
        var description: String { "the call's amount (at \(pointer)) \(refusal.description), so the call was not made" }
    }

    /// A replayed proposal that already has an outcome, or whose approval was consumed, was
    /// executed: its answer is used up (this is what makes a lost or reset local record, or
    /// another host's proxy, safe: the gateway remembers the outcome and the consumption).
    private func alreadyExecuted(_ verdict: Verdict) async throws -> Bool {
        guard verdict.level.executesAtOnce || verdict.approval?.status == .approved else { return false }
        do {
            let record = try await gateway.proposalRecord(verdict.proposalID)
            return record.outcome != nil || record.approval?.consumedAt != nil
        } catch let error as CountersignError {
            logger.warning("could not read the replayed proposal", metadata: ["error": "\(error)"])
            return true  // fail closed: treat as used and propose afresh
        }
    }

    private func consume(_ binding: CallBinding, _ generation: Int) async throws -> Bool {
        try await ledger.consume(binding, generation: generation)
    }

    /// Long polls in slices of `progressInterval`, sending a progress notification after each,
    /// until the approval is final or the bounded wait runs out.
    private func waitForHuman(_ approvalID: String, deadline: Date?, progress: ProgressReporter?) async throws -> Approval {
        let clock = ContinuousClock()
        let limit = clock.now + (progress == nil ? configuration.waitTimeout : configuration.waitTimeoutWithProgress)
        let deadlineText = deadline.map { " (deadline \(ISO8601DateFormatter().string(from: $0)))" } ?? ""
        await progress?.report("awaiting approval \(approvalID) from a human\(deadlineText)")
        while true {
            let slice = min(configuration.progressInterval, limit - clock.now)
            let approval = try await gateway.wait(for: approvalID, timeout: max(slice, .zero))
            if approval.status.isFinal || clock.now >= limit { return approval }
            await progress?.report("awaiting approval \(approvalID) from a human\(deadlineText)")
        }
    }

    private func forwardAndReport(_ parameters: CallTool.Parameters, verdict: Verdict, progress: ProgressReporter?) async throws -> CallTool.Result {
        let result: CallTool.Result
        do {
            result = try await forward(parameters.name, parameters.arguments, progress)
        } catch {
            await reportQuietly(.failed, detail: "the upstream call failed", verdict)
            throw error
        }
        await reportQuietly(result.isError == true ? .failed : .succeeded, detail: nil, verdict)
        return result
    }

    private func reportQuietly(_ outcome: Outcome, detail: String?, _ verdict: Verdict) async {
        do {
            try await gateway.report(outcome: outcome, detail: detail, for: verdict.proposalID)
        } catch {
            logger.warning("could not report the outcome", metadata: ["proposal.id": "\(verdict.proposalID)", "error": "\(error)"])
        }
    }

    private func unreachableOrRefused(
        _ error: CountersignError, _ parameters: CallTool.Parameters, progress: ProgressReporter?, fallback: String, logger: Logger
    ) async throws -> CallTool.Result {
        guard case .network = error else {
            logger.warning("the gateway refused the proposal", metadata: ["error": "\(error)"])
            return Self.failure(.refused, "the approval gateway refused the proposal: \(error)", fallback: fallback)
        }
        if configuration.forwardWhenUnreachable.contains(parameters.name) {
            logger.warning("the gateway is unreachable; forwarding (unreachable.forward lists this tool)")
            return try await forward(parameters.name, parameters.arguments, progress)
        }
        logger.warning("the gateway is unreachable; failing closed", metadata: ["error": "\(error)"])
        return Self.failure(.unreachable, "the approval gateway could not be reached, so the call was not made", fallback: fallback)
    }
}

extension JSONEncoder {
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
