/*++

Module Name:

    mp_variants.h

Abstract:

    The test miniport's broken variants: each is one define (given to mh_add_harness as
    DEFINITIONS) that makes the miniport break one rule of the contract, so that a test can show the
    host catches it. Without any of them it is correct.

      MP_BREAK_LEAK_CONTEXT        DestroyContext does not free its context (pool tracker: a leak)
      MP_BREAK_DOUBLE_FREE         DestroyContext frees its context twice (pool tracker)
      MP_BREAK_WRITE_AFTER_FREE    DestroyContext writes to its context after freeing it (pool tracker)
      MP_BREAK_TWO_MIRACAST        two children of type D3DKMDT_VOT_MIRACAST (the adapter does not start)
      MP_BREAK_NO_MIRACAST         no Miracast child (the adapter does not start)
      MP_BREAK_HPD_POLLED          the Miracast child is HpdAwarenessPolled (the adapter does not start)
      MP_BREAK_CONNECTED_AT_START  the Miracast child reports connected before any session (no start)
      MP_BREAK_WRONG_TARGET        CreateContext returns a TargetId that is not the Miracast child
      MP_BREAK_ASKS_SERVICES       StartDevice calls DxgkCbGetDeviceInformation and DxgkCbQueryServices,
                                   which the host does not provide (it carries on without them)
      MP_BREAK_POOL_MISUSE         CreateContext asks ExAllocatePool2 for no pool, frees a pointer into
                                   its context, and frees its context with another tag (pool tracker)

    The conformance suite's variants (test/conformance-variants.test.ts: each fails its own rule
    and no other):
      MP_BREAK_KEEPS_CALLBACKS     sends through the callbacks table's pointer instead of its copy
      MP_BREAK_FREES_BEFORE_CALLBACK  its own sends (no completion) free their block right after
                                   DxgkCbMiracastSendMessage returns, before the callback
      MP_BREAK_DOUBLE_FREE_RACE    frees a send block twice when the callback runs before the send returns
      MP_BREAK_NO_HDCP             QueryCaps reports no HDCP support
      MP_BREAK_CAPS_OVERRUN        QueryCaps writes a 12-byte caps layout, 4 bytes past MiracastCapsSize
      MP_BREAK_NO_DEPARTURE        DestroyContext does not indicate monitor departure
      MP_BREAK_SECOND_CONTEXT      CreateContext accepts a second context on its one target
      MP_BREAK_TRUSTS_INPUT_SIZE   IoControl's ECHO writes as many bytes as the input holds, whatever
                                   OutputBufferSize is
      MP_BREAK_BYTES_RETURNED      IoControl's ECHO reports the input's size as BytesReturned even when
                                   it truncated the answer to a smaller OutputBufferSize
      MP_BREAK_LEAK_PER_MESSAGE    a send block is never freed (its own count still goes down)

Environment:

    Kernel mode.

--*/

#ifndef MP_VARIANTS_H
#define MP_VARIANTS_H

#if defined(MP_BREAK_LEAK_CONTEXT) || defined(MP_BREAK_DOUBLE_FREE) || defined(MP_BREAK_WRITE_AFTER_FREE) || \
    defined(MP_BREAK_TWO_MIRACAST) || defined(MP_BREAK_NO_MIRACAST) || defined(MP_BREAK_HPD_POLLED) ||       \
    defined(MP_BREAK_CONNECTED_AT_START) || defined(MP_BREAK_WRONG_TARGET) || defined(MP_BREAK_ASKS_SERVICES) || \
    defined(MP_BREAK_POOL_MISUSE) || defined(MP_BREAK_KEEPS_CALLBACKS) || defined(MP_BREAK_FREES_BEFORE_CALLBACK) || \
    defined(MP_BREAK_DOUBLE_FREE_RACE) || defined(MP_BREAK_NO_HDCP) || defined(MP_BREAK_CAPS_OVERRUN) ||          \
    defined(MP_BREAK_NO_DEPARTURE) || defined(MP_BREAK_SECOND_CONTEXT) || defined(MP_BREAK_TRUSTS_INPUT_SIZE) ||   \
    defined(MP_BREAK_BYTES_RETURNED) || defined(MP_BREAK_LEAK_PER_MESSAGE)
#define MP_BROKEN 1
#else
#define MP_BROKEN 0
#endif

#endif /* MP_VARIANTS_H */
