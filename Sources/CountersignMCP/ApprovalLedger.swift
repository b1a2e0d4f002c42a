import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The proxy's durable record of delivered answers: for each call binding, its *generation*, the
/// number of answers already delivered for it. A call's idempotency key names its binding and
/// generation, so an identical call reattaches to the same proposal (and approval) until the
/// answer is delivered; then the generation moves on and the next identical call is a new
/// proposal that needs a new approval.
///
/// Single use of an *approval* is the gateway's (`POST /v1/approvals/{id}/consume`, atomic across
/// hosts); this record is the local cache that names the next proposal without a round trip per
/// earlier answer, and the only record for answers with nothing to consume (auto, notify, no).
/// The gateway backs it: a replayed proposal that was consumed or has an outcome counts as used.
///
/// `consume` is a compare-and-increment under an exclusive `flock` on a lock file beside the
/// state file, written with write-to-temporary, fsync, rename, so it is atomic and durable across
/// concurrent calls, proxy processes on the same machine, and crashes. The generation is advanced
/// *before* the upstream is called: a crash in between loses the answer (ask again), never
/// repeats the action.
public actor ApprovalLedger {
    /// The state file.
    public let path: String
    private let lockPath: String

    /// A ledger on `path` (created with its folder on first use).
    public init(path: String) {
        self.path = path
        self.lockPath = path + ".lock"
    }

    /// The current generation of a binding (0 when never used).
    public func generation(of binding: CallBinding) throws -> Int {
        try withLock { try read()[binding.digest] ?? 0 }
    }

    /// Advances the binding from `generation` to the next one. Returns false, changing nothing,
    /// when another call already advanced it (the answer was already used).
    public func consume(_ binding: CallBinding, generation: Int) throws -> Bool {
        try withLock {
            var state = try read()
            guard (state[binding.digest] ?? 0) == generation else { return false }
            state[binding.digest] = generation + 1
            try write(state)
            return true
        }
    }

    private func withLock<T>(_ body: () throws -> T) throws -> T {
        let folder = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let descriptor = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw ProxyConfigurationError(description: "cannot open \(lockPath): errno \(errno)") }
        defer { close(descriptor) }
        while flock(descriptor, LOCK_EX) != 0 {
            guard errno == EINTR else { throw ProxyConfigurationError(description: "cannot lock \(lockPath): errno \(errno)") }
        }
        defer { flock(descriptor, LOCK_UN) }
        return try body()
    }

    private struct State: Codable {
        var version = 1
        var generations: [String: Int] = [:]
    }

    private func read() throws -> [String: Int] {
        guard let data = FileManager.default.contents(atPath: path), !data.isEmpty else { return [:] }
        do {
            return try JSONDecoder().decode(State.self, from: data).generations
        } catch {
            throw ProxyConfigurationError(description: "\(path) is not a Countersign proxy state file; refusing to use it")
        }
    }

    private func write(_ generations: [String: Int]) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(State(generations: generations))
        let temporary = path + ".tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw ProxyConfigurationError(description: "cannot write \(temporary): errno \(errno)") }
        let written = data.withUnsafeBytes { systemWrite(descriptor, $0.baseAddress, $0.count) }
        let synced = fsync(descriptor)
        close(descriptor)
        guard written == data.count, synced == 0 else { throw ProxyConfigurationError(description: "cannot write \(temporary): errno \(errno)") }
        guard rename(temporary, path) == 0 else { throw ProxyConfigurationError(description: "cannot replace \(path): errno \(errno)") }
        let folder = open((path as NSString).deletingLastPathComponent, O_RDONLY | O_CLOEXEC)
        if folder >= 0 {
            fsync(folder)
            close(folder)
        }
    }
}

#if canImport(Glibc)
    private let systemWrite = Glibc.write
#elseif canImport(Darwin)
    private let systemWrite = Darwin.write
#endif
