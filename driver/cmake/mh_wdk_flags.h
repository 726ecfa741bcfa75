/* Force-included into every kernel-mode source of the WDK build (as FindWDK's wdkflags.h): a
   Debug configuration's /RTC1 would emit calls to _RTC_* routines, which /NODEFAULTLIB leaves
   unresolved in a driver. */
#pragma runtime_checks("suc", off)
