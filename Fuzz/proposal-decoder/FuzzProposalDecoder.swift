// libFuzzer target: Proposal.decode(json:). See CoreInvariants.proposalDecoder.
import FuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FuzzReport.run(data, size, CoreInvariants.proposalDecoder)
}
