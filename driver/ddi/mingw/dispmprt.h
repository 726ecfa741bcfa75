/*
 * dispmprt.h for the Wine lane (MinGW-w64 has none): a miniport's `#include <dispmprt.h>` gets the
 * project's declarations of the WDK types (../mh_ddi.h). Only on the include path of MinGW builds;
 * the WDK lane uses the real header.
 */
#ifndef MH_MINGW_DISPMPRT_H
#define MH_MINGW_DISPMPRT_H
#include "../mh_ddi.h"
#endif
