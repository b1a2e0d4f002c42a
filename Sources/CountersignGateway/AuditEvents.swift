import CountersignCore
import CountersignStore
import Foundation

/// The audit entries the use cases append: what happened, by whom, with the facts that matter.
enum AuditEvents {
    static func proposal(_ record: ProposalRecord, _ approval: ApprovalRecord?) -> AuditEvent {
        let proposal = record.proposal
        var data: [JSONMember] = [
            JSONMember("operation", .string(proposal.operation)),
            JSONMember("confidence", .number(String(proposal.confidence))),
            JSONMember("level", .string(record.verdict.level.rawValue)),
            JSONMember("risk_class", .string(record.verdict.riskClass)),
            JSONMember("reasons", .array(record.verdict.reasons.map { .string($0.code) })),
        ]
        if let policyLevel = record.verdict.policyLevel { data.append(JSONMember("policy_level", .string(policyLevel.rawValue))) }
        if let key = proposal.idempotencyKey { data.append(JSONMember("idempotency_key", .string(key))) }
        if let amount = proposal.amount { data.append(JSONMember("amount", .number("\(amount)"))) }
        if let subject = proposal.subject { data.append(JSONMember("subject", .string(subject))) }
        if let approval {
            data.append(JSONMember("deadline", .string(Timestamp.format(approval.deadline))))
            data.append(JSONMember("fallback", .string(approval.fallback)))
        }
        return AuditEvent(
            kind: "proposal", at: record.createdAt, proposalID: record.id, approvalID: approval?.id, actor: proposal.agent, data: .object(data))
    }

    static func decision(
        _ view: ApprovalView, decision: HumanDecision, status: ApprovalStatus, by: String, at: Date, comment: String?
    ) -> AuditEvent {
        var data: [JSONMember] = [JSONMember("decision", .string(decision.rawValue)), JSONMember("status", .string(status.rawValue))]
        if let comment { data.append(JSONMember("comment", .string(comment))) }
        return AuditEvent(kind: "decision", at: at, proposalID: view.proposal.id, approvalID: view.approval.id, actor: by, data: .object(data))
    }

    static func reminder(_ view: ApprovalView, approvers: [String], at: Date) -> AuditEvent {
        AuditEvent(
            kind: "reminder", at: at, proposalID: view.proposal.id, approvalID: view.approval.id, actor: "system",
            data: .object([
                JSONMember("approvers", .array(approvers.map(JSONValue.string))),
                JSONMember("deadline", .string(Timestamp.format(view.approval.deadline))),
            ]))
    }

    static func expiry(_ view: ApprovalView, at: Date) -> AuditEvent {
        AuditEvent(
            kind: "expiry", at: at, proposalID: view.proposal.id, approvalID: view.approval.id, actor: "system",
            data: .object([JSONMember("status", .string("expired")), JSONMember("fallback", .string(view.approval.fallback))]))
    }

    static func consumption(_ view: ApprovalView, by: String, at: Date) -> AuditEvent {
        var data: [JSONMember] = []
        if let binding = view.proposal.proposal.binding { data.append(JSONMember("binding", .string(binding))) }
        return AuditEvent(kind: "consumed", at: at, proposalID: view.proposal.id, approvalID: view.approval.id, actor: by, data: .object(data))
    }
}
