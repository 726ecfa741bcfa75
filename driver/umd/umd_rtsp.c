/*++

Module Name:

    umd_rtsp.c

Abstract:

    The source's side of a minimal Wi-Fi Display RTSP capability exchange on the OS's RTSP
    socket: M1 (OPTIONS, the source asks) and M3 (GET_PARAMETER: video formats, RTP ports, the
    display's EDID). A sink that returns an EDID other than "none" has a monitor connected.
    Waits use select() with a timeout, so the OS's socket options are left as they were.

--*/

#include "umd_internal.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define UMD_RTSP_MAX 4096

static BOOL UmdSendAll(SOCKET s, const char *Data, int Length)
{
    while (Length > 0) {
        int sent = send(s, Data, Length, 0);
        if (sent <= 0) {
            return FALSE;
        }
        Data += sent;
        Length -= sent;
    }
    return TRUE;
}

static BOOL UmdWaitReadable(SOCKET s, DWORD TimeoutMs)
{
    fd_set set;
    struct timeval tv;

    FD_ZERO(&set);
    FD_SET(s, &set);
    tv.tv_sec = (long)(TimeoutMs / 1000);
    tv.tv_usec = (long)((TimeoutMs % 1000) * 1000);
    return select(0, &set, NULL, NULL, &tv) == 1;
}

/* Reads one RTSP response (headers and a Content-Length body) into Buffer, NUL-terminated. */
static BOOL UmdReadResponse(SOCKET s, char *Buffer, int Size)
{
    int used = 0;
    char *end = NULL;
    int needed = -1;

    while (used < Size - 1) {
        int got;
        if (!UmdWaitReadable(s, UMD_RTSP_TIMEOUT_MS)) {
            return FALSE;
        }
        got = recv(s, Buffer + used, Size - 1 - used, 0);
        if (got <= 0) {
            return FALSE;
        }
        used += got;
        Buffer[used] = '\0';
        if (end == NULL && (end = strstr(Buffer, "\r\n\r\n")) != NULL) {
            const char *length = strstr(Buffer, "Content-Length:");
            needed = (int)(end - Buffer) + 4 + (length != NULL && length < end ? atoi(length + 15) : 0);
        }
        if (needed >= 0 && used >= needed) {
            return strncmp(Buffer, "RTSP/1.0 200", 12) == 0;
        }
    }
    return FALSE;
}

NTSTATUS UmdRtspNegotiate(SOCKET Rtsp, BOOL *MonitorConnected)
{
    static const char m1[] = "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\nRequire: org.wfa.wfd1.0\r\n\r\n";
    static const char m3Body[] = "wfd_video_formats\r\nwfd_client_rtp_ports\r\nwfd_display_edid\r\n";
    char request[512];
    char response[UMD_RTSP_MAX];
    const char *edid;
    int length;

    *MonitorConnected = FALSE;
    if (!UmdSendAll(Rtsp, m1, (int)sizeof(m1) - 1) || !UmdReadResponse(Rtsp, response, sizeof(response))) {
        return UMD_STATUS_IO_TIMEOUT;
    }
    length = snprintf(request, sizeof(request),
                      "GET_PARAMETER rtsp://localhost/wfd1.0 RTSP/1.0\r\nCSeq: 2\r\n"
                      "Content-Type: text/parameters\r\nContent-Length: %d\r\n\r\n%s",
                      (int)sizeof(m3Body) - 1, m3Body);
    if (!UmdSendAll(Rtsp, request, length) || !UmdReadResponse(Rtsp, response, sizeof(response))) {
        return UMD_STATUS_IO_TIMEOUT;
    }
    edid = strstr(response, "wfd_display_edid:");
    if (edid != NULL) {
        edid += 17;
        while (*edid == ' ') {
            edid++;
        }
        *MonitorConnected = strncmp(edid, "none", 4) != 0 && *edid != '\r' && *edid != '\0';
    }
    return STATUS_SUCCESS;
}

BOOL UmdRtspSinkGone(SOCKET Rtsp, DWORD TimeoutMs)
{
    char buffer[512];
    int got;

    if (!UmdWaitReadable(Rtsp, TimeoutMs)) {
        return FALSE;
    }
    got = recv(Rtsp, buffer, sizeof(buffer) - 1, 0);
    if (got <= 0) {
        return TRUE;
    }
    buffer[got] = '\0';
    return strstr(buffer, "TEARDOWN") != NULL;
}
