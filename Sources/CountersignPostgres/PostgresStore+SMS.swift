import CountersignCore
import CountersignStore
import Foundation
import PostgresNIO

/// SMS codes and handled inbound texts on PostgreSQL. Replicas assigning codes to one approver at
/// the same time take turns on a transaction-scoped advisory lock of that approver, so two
/// pending approvals of one approver never get the same code.
extension PostgresStore {
    public func assignSMSCode(approvalID: String, approver: String, candidates: [String], holdUntil: Date, now: Date) async throws -> String? {
        let lockKey = Self.stableKey("countersign sms codes " + (configuration.schema ?? "") + " " + approver)
        return try await transaction { connection in
            try await connection.run("SELECT pg_advisory_xact_lock(\(lockKey))")
            if let held = try await connection.rows(
                "SELECT code FROM sms_codes WHERE approver = \(approver) AND approval_id = \(approvalID)"
            ).first?.decode(String.self) {
                return held
            }
            for code in candidates {
                let until = try await connection.rows("SELECT held_until FROM sms_codes WHERE approver = \(approver) AND code = \(code)")
                    .first?.decode(Int64.self)
                if let until, until > Millis.from(now) { continue }
                try await connection.run(
                    """
                    INSERT INTO sms_codes (approver, code, approval_id, held_until, created_at)
                    VALUES (\(approver), \(code), \(approvalID), \(Millis.from(holdUntil)), \(Millis.from(now)))
                    ON CONFLICT (approver, code) DO UPDATE
                    SET approval_id = excluded.approval_id, held_until = excluded.held_until, created_at = excluded.created_at
                    """)
                return code
            }
            return nil
        }
    }

    public func smsCodeApproval(approver: String, code: String) async throws -> String? {
        try await client.withConnection { connection in
            try await connection.rows("SELECT approval_id FROM sms_codes WHERE approver = \(approver) AND code = \(code)").first?.decode(String.self)
        }
    }

    public func claimInboundSMS(messageID: String, at: Date) async throws -> Bool {
        try await client.withConnection { connection in
            try await !connection.rows(
                """
                INSERT INTO sms_inbound (message_id, received_at) VALUES (\(messageID), \(Millis.from(at)))
                ON CONFLICT (message_id) DO NOTHING RETURNING message_id
                """
            ).isEmpty
        }
    }
}
