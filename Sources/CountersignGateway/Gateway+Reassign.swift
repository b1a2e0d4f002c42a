import CountersignCore
import CountersignStore
import Foundation

/// Reassigning a pending approval to another approver or a group: they are notified on their
/// channels (cards, like a chain step); the approval itself stays pending, and whoever was
/// already asked may still decide.
extension Gateway {
    /// Whom an approval is reassigned to.
    public enum ReassignTarget: Sendable, Hashable {
        case approver(String)
        case group(String)
    }

    /// Reassigns `approvalID` by an approver who may decide it; audited (`reassign`) in the same
    /// transaction as the new cards. Returns the approvers notified.
    @discardableResult
    public func reassign(approvalID: String, to target: ReassignTarget, comment: String?, by principal: Principal) async throws -> [String] {
        guard case .approver(let name, let rights) = principal else {
            throw GatewayError(.forbidden, code: .approversOnly, "only approvers reassign approvals")
        }
        let comment = try ApproverComment.validated(comment, code: .invalidReassign)
        guard let view = try await store.approval(id: approvalID) else {
            throw GatewayError(.notFound, code: .notFound, "no approval \(approvalID)")
        }
        guard view.approval.status == .pending else { throw Self.error(.notPending(view.approval.status), view) }
        let proposal = view.proposal
        if let refusal = rights.refusal(riskClass: proposal.verdict.riskClass, proposal: proposal.proposal) {
            throw GatewayError(.forbidden, code: .notAllowed, "this approver \(refusal), so may not reassign it either")
        }
        let router = configuration.router
        let names: [String]
        switch target {
        case .approver(let approver):
            guard router.recipients.contains(where: { $0.name == approver }) else {
                throw GatewayError(.invalid, code: .unknownApprover, "no approver named \(approver)")
            }
            names = [approver]
        case .group(let group):
            guard let members = router.routing.groups[group] else { throw GatewayError(.invalid, code: .unknownGroup, "no group named \(group)") }
            names = members
        }
        let eligible = names.filter { candidate in
            guard candidate != proposal.proposal.agent, let recipient = router.recipients.first(where: { $0.name == candidate }) else { return false }
            return recipient.rights.refusal(riskClass: proposal.verdict.riskClass, proposal: proposal.proposal) == nil
        }
        guard !eligible.isEmpty else {
            throw GatewayError(.invalid, code: .notAllowedTarget, "nobody named by the target may decide this approval (may_approve)")
        }
        let step = router.plan(
            riskClass: proposal.verdict.riskClass, operation: proposal.proposal.operation, amount: proposal.proposal.amount,
            currency: proposal.proposal.currency, agent: proposal.proposal.agent, steps: [Routing.Step(approvers: eligible)])
        let now = now()
        var data: [JSONMember] = [
            JSONMember("to", .object([JSONMember(target.kind, .string(target.name))])),
            JSONMember("approvers", .array(eligible.map(JSONValue.string))),
        ]
        if let comment { data.append(JSONMember("comment", .string(comment))) }
        let audit = AuditEvent(kind: "reassign", at: now, proposalID: proposal.id, approvalID: approvalID, actor: name, data: .object(data))
        let messages = ChannelMessages.reassigned(
            step.flatMap(\.pushes), approvalID: approvalID, tag: String(Millis.from(now)) + "_" + String(Identifier.make().suffix(8)), at: now)
        guard try await store.recordOnPending(approvalID: approvalID, audit: audit, outbox: messages) else {
            let current = try await store.approval(id: approvalID) ?? view
            throw Self.error(.notPending(current.approval.status), current)
        }
        outboxSignal.schedule(now)
        logger.info("approval reassigned", metadata: ["approval.id": "\(approvalID)", "by": "\(name)", "to": "\(eligible.joined(separator: ","))"])
        return eligible
    }
}

extension Gateway.ReassignTarget {
    var kind: String {
        switch self {
        case .approver: "approver"
        case .group: "group"
        }
    }

    var name: String {
        switch self {
        case .approver(let name), .group(let name): name
        }
    }
}
