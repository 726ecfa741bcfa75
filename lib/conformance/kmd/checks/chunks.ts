// DxgkCbReportChunkInfo as the host implements it: private data must be NULL and its size 0,
// otherwise STATUS_INVALID_PARAMETER; the call only logs. (The chunk path proper - interrupts,
// DPCs, chunk lists - comes with the hosted-miniport seam; its rules wait for it.)
import { NtStatus, ntStatusName } from '../../../ntstatus';
import type { KmdCheck } from '../check-context';

export async function checkReportChunkInfo(c: KmdCheck): Promise<void> {
  const context = await c.device.createContext();
  let valid: number;
  let invalid: number;
  try {
    valid = await context.miniport.reportChunk({ chunkType: 2, frameNumber: 1 });
    invalid = await context.miniport.reportChunk({ chunkType: 2, frameNumber: 2, privateDataSize: 16 });
  } finally {
    await context.destroy();
  }
  c.evidence(`NULL private data: ${ntStatusName(valid)}; 16 bytes of private data: ${ntStatusName(invalid)}`);
  if (valid !== NtStatus.STATUS_SUCCESS) c.finding(`a well-formed DxgkCbReportChunkInfo returned ${ntStatusName(valid)}`);
  if (invalid !== NtStatus.STATUS_INVALID_PARAMETER) {
    c.finding(`DxgkCbReportChunkInfo with private data returned ${ntStatusName(invalid)}, not STATUS_INVALID_PARAMETER`);
  }
  const chunks = (await c.trace()).filter((e) => e.kind === 'chunk' && e.contextId === context.id);
  if (chunks.length !== 2) c.finding(`the host logged ${chunks.length} chunk report(s) for the 2 made`);
}
