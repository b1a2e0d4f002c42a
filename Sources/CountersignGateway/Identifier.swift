import Foundation

/// Identifiers for proposals and approvals: random, URL-safe, lowercase UUIDs.
enum Identifier {
    static func make() -> String { UUID().uuidString.lowercased() }
}
