import Foundation
import Testing

@testable import CountersignGateway

/// The deadline timer's sleep: a deadline already past returns at once, even when the timer
/// fires before the sleeper parks (a lost wake-up here once left due approvals unexpired).
@Suite struct WakeSignalTests {
    @Test func aSleepUntilAPastInstantAlwaysReturns() async throws {
        let signal = WakeSignal()
        // Whichever ends first: 500 sleeps towards the past, or 120 seconds (a sleep that hangs;
        // the whole suite on a loaded 2-core machine once needed over 10 s for 2000 sleeps).
        let finished = await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                for _ in 0..<500 { await signal.sleep(until: Date().addingTimeInterval(-0.001)) }
                return true
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(120))
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
        #expect(finished, "a sleep towards a past instant hung")
    }

    @Test func aSoonerDeadlineWakesASleeper() async throws {
        let signal = WakeSignal()
        // Whichever ends first: a sleep towards an hour from now, which the sooner deadline must
        // end, or 600 seconds (it was not woken). No bound tighter than that: on a loaded machine
        // a woken task can wait long for a thread.
        let woken = await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await signal.sleep(until: Date().addingTimeInterval(3600))
                return true
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(600))
                return false
            }
            try? await Task.sleep(for: .milliseconds(100))
            signal.schedule(Date())
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
        #expect(woken, "woken by the sooner deadline, not by the end of its sleep")
    }
}
