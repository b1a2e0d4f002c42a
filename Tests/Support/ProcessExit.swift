import Foundation

/// A child process did not end (or Foundation missed its end) within the time a test allows.
public struct ProcessWaitFailure: Error, CustomStringConvertible {
    public var description: String
}

extension Process {
    /// Waits for the process to end and returns its exit status. A stand-in for Foundation's
    /// `waitUntilExit`, which on Linux was seen to miss a child's exit and spin forever: this one
    /// looks at `isRunning` with growing pauses, fails when the child has been a zombie for 30
    /// seconds that Foundation has not reaped (on a loaded machine its reaping lags by seconds), and
    /// kills it after `timeout`. A missed exit costs
    /// one failed test instead of a hung suite.
    public func exitStatus(within timeout: TimeInterval = 300) throws -> Int32 {
        let deadline = Date().addingTimeInterval(timeout)
        var pause: useconds_t = 200
        var zombieSince: Date?
        while isRunning {
            let now = Date()
            if Self.isZombie(processIdentifier) {
                if let since = zombieSince, now.timeIntervalSince(since) > 30 {
                    throw ProcessWaitFailure(description: "\(executableURL?.path ?? "a child") exited 30 s ago, but Foundation did not see it")
                }
                zombieSince = zombieSince ?? now
            }
            guard now < deadline else {
                kill(processIdentifier, SIGKILL)
                throw ProcessWaitFailure(description: "\(executableURL?.path ?? "a child") did not exit within \(Int(timeout)) s; killed")
            }
            usleep(pause)
            pause = min(pause * 2, 20_000)
        }
        return terminationStatus
    }

    /// Whether the process has exited and waits to be reaped (state `Z` in /proc).
    static func isZombie(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return false }
        return stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z")
    }
}
