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

Environment:

    Kernel mode.

--*/

#ifndef MP_VARIANTS_H
#define MP_VARIANTS_H

#if defined(MP_BREAK_LEAK_CONTEXT) || defined(MP_BREAK_DOUBLE_FREE) || defined(MP_BREAK_WRITE_AFTER_FREE) || \
    defined(MP_BREAK_TWO_MIRACAST) || defined(MP_BREAK_NO_MIRACAST) || defined(MP_BREAK_HPD_POLLED) ||       \
    defined(MP_BREAK_CONNECTED_AT_START) || defined(MP_BREAK_WRONG_TARGET) || defined(MP_BREAK_ASKS_SERVICES) || \
    defined(MP_BREAK_POOL_MISUSE)
#define MP_BROKEN 1
#else
#define MP_BROKEN 0
#endif

#endif /* MP_VARIANTS_H */
