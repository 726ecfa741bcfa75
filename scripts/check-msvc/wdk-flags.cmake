# Prints the compile options the WDK (MSVC) build gives the driver's sources, as
# driver/cmake/mh_harness.cmake sets them, so that scripts/check-msvc.sh checks the sources with
# the Windows lane's own definitions and force-included headers rather than a copy of them.
#
#   cmake -DDRIVER_DIR=<driver> -P wdk-flags.cmake
#
# prints one line per setting, "<target> <kind> <value>": target "kernel" is any kernel-mode
# target (mh_kernel_target: the layers), "miniport" a hosted miniport (mh_miniport_library: the
# same plus the pool redirect); kind is define, option or include. The target commands are
# recorded instead of run: this is script mode, there are no targets.
if(NOT DRIVER_DIR)
  message(FATAL_ERROR "usage: cmake -DDRIVER_DIR=<driver> -P wdk-flags.cmake")
endif()

set(MH_LANE_MINGW FALSE)     # the WDK branch of every function
set(WDK_INC "<wdk>")         # the WDK's include directories: the check supplies its own

foreach(command target_compile_definitions target_compile_options target_include_directories)
  cmake_language(EVAL CODE "
    function(${command} target)
      set(values \${ARGN})
      list(REMOVE_ITEM values PRIVATE PUBLIC INTERFACE SYSTEM)
      set_property(GLOBAL APPEND PROPERTY MHC_\${target} \"${command}\" \${values})
    endfunction()")
endforeach()
function(get_target_property out)
  set(${out} FALSE PARENT_SCOPE)
endfunction()
function(set_target_properties)
endfunction()

include(${DRIVER_DIR}/cmake/mh_harness.cmake)
mh_kernel_target(kernel)
mh_miniport_library(miniport)

foreach(target kernel miniport)
  get_property(recorded GLOBAL PROPERTY MHC_${target})
  set(kind "")
  foreach(value IN LISTS recorded)
    if(value MATCHES "^target_compile_definitions$")
      set(kind define)
    elseif(value MATCHES "^target_compile_options$")
      set(kind option)
    elseif(value MATCHES "^target_include_directories$")
      set(kind include)
    else()
      execute_process(COMMAND ${CMAKE_COMMAND} -E echo "${target} ${kind} ${value}")
    endif()
  endforeach()
endforeach()
