import CountersignCore
import CountersignStore
import Foundation
import GRDB

/// SMS codes and handled inbound texts on SQLite (one writer: each call is one transaction).
extension SQLiteStore {
    public func assignSMSCode(approvalID: String, approver: String, candidates: [String], holdUntil: Date, now: Date) async throws -> String? {
        try await pool.write { db in
            if let held = try String.fetchOne(
                db.cachedStatement(sql: "SELECT code FROM sms_codes WHERE approver = ? AND approval_id = ?"), arguments: [approver, approvalID])
            {
                return held
            }
            for code in candidates {
                let until = try Int64.fetchOne(
                    db.cachedStatement(sql: "SELECT held_until FROM sms_codes WHERE approver = ? AND code = ?"), arguments: [approver, code])
                if let until, until > Millis.from(now) { continue }
                try db.cachedStatement(
                    sql: """
                        INSERT INTO sms_codes (approver, code, approval_id, held_until, created_at) VALUES (?, ?, ?, ?, ?)
                        ON CONFLICT (approver, code) DO UPDATE
                        SET approval_id = excluded.approval_id, held_until = excluded.held_until, created_at = excluded.created_at
                        """
                ).execute(arguments: [approver, code, approvalID, Millis.from(holdUntil), Millis.from(now)])
                return code
            }
            return nil
        }
    }

    public func smsCodeApproval(approver: String, code: String) async throws -> String? {
        try await pool.read { db in
            try String.fetchOne(
                db.cachedStatement(sql: "SELECT approval_id FROM sms_codes WHERE approver = ? AND code = ?"), arguments: [approver, code])
        }
    }

    public func claimInboundSMS(messageID: String, at: Date) async throws -> Bool {
        try await pool.write { db in
            try db.cachedStatement(sql: "INSERT INTO sms_inbound (message_id, received_at) VALUES (?, ?) ON CONFLICT (message_id) DO NOTHING")
                .execute(arguments: [messageID, Millis.from(at)])
            return db.changesCount == 1
        }
    }
}
