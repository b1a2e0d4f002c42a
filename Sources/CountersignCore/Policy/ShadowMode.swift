/// Shadow (canary) mode: for the operations it covers, the policy's verdict is computed and
/// recorded, but every proposal is held for a human (`approve`; escalations stay escalations).
/// The agreement between the recorded verdicts and the humans' decisions is the evidence for
/// letting the policy decide live.
public struct ShadowMode: Sendable, Hashable {
    /// Every operation, named or not.
    public var all: Bool
    /// Operations in shadow mode even when `all` is off. An operation's own `shadow: true` is kept
    /// on its `OperationRule`; `Policy.isShadowed` asks both.
    public var operations: Set<String>

    public init(all: Bool = false, operations: Set<String> = []) {
        self.all = all
        self.operations = operations
    }

    /// Shadow mode off: the policy decides live.
    public static let off = ShadowMode()

    /// Whether this block puts proposals of `operation` in shadow mode.
    public func covers(_ operation: String) -> Bool { all || operations.contains(operation) }
}
