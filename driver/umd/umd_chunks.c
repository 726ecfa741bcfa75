/*++

Module Name:

    umd_chunks.c

Abstract:

    The sample UMD's chunk reader: GetNextChunkData with the session's stop event as an
    additional wait event, CHUNK_SENT just before each encode chunk would go to the network, and a
    new I-frame requested after STATUS_CONNECTION_RESET.

--*/

#include "umd_internal.h"
#include <winioctl.h>
#include <string.h>
#include "miracast_hil_ioctl.h"

static void UmdReportSent(UMD_CONTEXT *ctx, const UCHAR *Packets, UINT Size)
{
    UINT offset = 0;

    while (offset + MIRACAST_CHUNK_PACKET_SIZE(0) <= Size) {
        const MIRACAST_CHUNK_DATA *chunk = (const MIRACAST_CHUNK_DATA *)(Packets + offset);
        MIRACAST_CHUNK_INFO info;
        UINT privateSize;

        /* Packets are back to back and unaligned: copy the fields out. */
        memcpy(&info, &chunk->ChunkInfo, sizeof(info));
        memcpy(&privateSize, Packets + offset + offsetof(MIRACAST_CHUNK_DATA, PrivateDriverDataSize), sizeof(privateSize));
        if (info.ChunkType == MIRACAST_CHUNK_TYPE_ENCODE_COMPLETE) {
            MIRACAST_STATISTIC_DATA stat;
            memset(&stat, 0, sizeof(stat));
            stat.StatisticType = MIRACAST_STATISTIC_TYPE_CHUNK_SENT;
            stat.ChunkSent.ChunkId = info.ChunkId;
#if MH_UMD_IS(UNKNOWN_CHUNK_SENT)
            stat.ChunkSent.ChunkId.FrameNumber += 1000000;   /* broken: a frame it never read */
#endif
            ctx->Cb.ReportStatistic(ctx->Device, &stat);
        }
        offset += MIRACAST_CHUNK_PACKET_SIZE(privateSize);
    }
}

DWORD WINAPI UmdChunkReader(LPVOID Parameter)
{
    UMD_CONTEXT *ctx = (UMD_CONTEXT *)Parameter;
    UCHAR *buffer = (UCHAR *)HeapAlloc(GetProcessHeap(), 0, UMD_CHUNK_BUFFER);
    /* An error other than the documented ones (a harness without the chunk path): back off. The
       concurrent variant retries at once, which is what makes its two readers meet. */
    DWORD backoffMs = MH_UMD_IS(CONCURRENT_CHUNKS) ? 1 : 100;

    if (buffer == NULL) {
        return 1;
    }
    for (;;) {
        HANDLE events[1] = { ctx->StopEvent };
        UINT size = UMD_CHUNK_BUFFER;
        UINT outstanding = 0;
        NTSTATUS status = ctx->Cb.GetNextChunkData(ctx->Device, 100, 1, events, &size,
                                                   (MIRACAST_CHUNK_DATA *)buffer, &outstanding);
        if (status == STATUS_SUCCESS && size == 0) {
            break;                                   /* STATUS_WAIT_0: the stop event */
        } else if (status == STATUS_SUCCESS) {
            UmdReportSent(ctx, buffer, size);
        } else if (status == UMD_STATUS_TIMEOUT) {
            continue;
        } else if (status == UMD_STATUS_CONNECTION_RESET) {
#if !MH_UMD_IS(IGNORES_RESET)
            /* Every outstanding chunk is lost: the next frame must be an I-frame. */
            InterlockedIncrement(&ctx->IFrameRequests);
            (void)UmdIoControl(ctx, MP_CMD_ECHO, "request-idr", 11);
#endif
        } else if (status == UMD_STATUS_INSTANCE_NOT_AVAILABLE) {
            break;
        } else if (WaitForSingleObject(ctx->StopEvent, backoffMs) == WAIT_OBJECT_0) {
            break;
        }
    }
    HeapFree(GetProcessHeap(), 0, buffer);
    return 0;
}
