import CountersignCore

/// What the queue page says after a refused form decision. The redirect carries only this code
/// (`/?error=not_pending`); the page shows the fixed sentence for it. Unknown codes show nothing, so
/// no text from a URL ever reaches the page.
enum ConsoleNotice: String, Sendable, CaseIterable {
    case notPending = "not_pending"
    case pastDeadline = "past_deadline"
    case notAllowed = "not_allowed"
    case fourEyes = "four_eyes"
    case notFound = "not_found"
    case commentTooLong = "comment_too_long"
    case refused

    /// The notice for a refusal's code.
    init(_ code: ErrorCode) {
        switch code {
        case .notPending: self = .notPending
        case .pastDeadline: self = .pastDeadline
        case .notAllowed: self = .notAllowed
        case .fourEyes: self = .fourEyes
        case .notFound: self = .notFound
        case .invalidDecision: self = .commentTooLong
        default: self = .refused
        }
    }

    var message: String {
        switch self {
        case .notPending: "That approval is no longer pending: someone decided it, or it expired."
        case .pastDeadline: "That approval's deadline has passed; its fallback applies."
        case .notAllowed: "You may not decide that approval: it is beyond your limits, or you proposed it."
        case .fourEyes: "You gave the first approval; a different approver must give the second."
        case .notFound: "That approval does not exist."
        case .commentTooLong: "The comment is too long (at most 2,000 characters); nothing changed."
        case .refused: "The decision was refused; nothing changed."
        }
    }
}
