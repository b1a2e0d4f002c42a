/// Runs work for the same key one at a time (other keys go on in parallel): an approver's push cap
/// is checked and the card posted as one step, so concurrent deliveries cannot both pass the cap.
/// In one process; replicas sharing a store could each post one card past the cap.
actor KeyedSerialGate {
    private var busy: Set<String> = []
    private var waiting: [String: [CheckedContinuation<Void, Never>]] = [:]

    func run<Value: Sendable>(_ key: String, _ work: @Sendable () async throws -> Value) async throws -> Value {
        await acquire(key)
        defer { release(key) }
        return try await work()
    }

    private func acquire(_ key: String) async {
        guard busy.contains(key) else {
            busy.insert(key)
            return
        }
        await withCheckedContinuation { waiting[key, default: []].append($0) }
    }

    private func release(_ key: String) {
        if var queue = waiting[key], !queue.isEmpty {
            let next = queue.removeFirst()
            waiting[key] = queue.isEmpty ? nil : queue
            next.resume()
        } else {
            busy.remove(key)
        }
    }
}
