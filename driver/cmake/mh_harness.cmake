# Building a harness: the control layer, the host and one miniport in a kernel image (.sys).
#
#   mh_add_harness(NAME MINIPORT <library target> [DEFINITIONS <define>...] [OUTPUT_NAME <name>])
#
# builds NAME.sys (or OUTPUT_NAME.sys) whose entry point is the control layer's MhHarnessEntry: it
# creates \Device\MiracastHil, calls the miniport's own DriverEntry (which registers through
# DxgkInitialize) and has the host start the adapter. The miniport library is compiled as every
# hosted miniport is (mh_miniport_library): kernel flags, the DDI headers on its include path, and
# mh_pool_redirect.h force-included so that its pool calls reach the host's tracker.
# DEFINITIONS compiles the miniport's sources once more, for this image only, with those defines:
# a broken variant is one define and one call, e.g.
#
#   mh_add_harness(MiracastHilLeak MINIPORT mp_test DEFINITIONS MP_BREAK_LEAK_CONTEXT)
#
# In the Wine lane every image's imports are checked against Wine's kernel after the link (an
# import Wine lacks or only stubs fails the build, not a test run).

set(MH_DRIVER_DIR ${CMAKE_CURRENT_LIST_DIR}/..)
set(MH_DDI_DIR ${MH_DRIVER_DIR}/ddi)
set(MH_CONTRACT_DIR ${MH_DRIVER_DIR}/include)

# Compile options of every kernel-mode target (layers and miniports), per lane.
function(mh_kernel_target target)
  if(MH_LANE_MINGW)
    # <ddk/ntddk.h> includes <wdm.h> without the ddk/ prefix.
    target_include_directories(${target} SYSTEM PRIVATE ${CMAKE_FIND_ROOT_PATH}/include/ddk)
    target_compile_options(${target} PRIVATE
      -std=gnu11 -O2 -Wall -Wextra -Werror -Wno-unused-parameter
      -fno-stack-protector -mno-red-zone -fno-builtin -fno-strict-aliasing)
  else()
    target_include_directories(${target} SYSTEM PRIVATE ${WDK_INC}/km ${WDK_INC}/shared ${WDK_INC}/km/crt)
    target_compile_definitions(${target} PRIVATE _AMD64_ AMD64 _WIN64 WINNT=1 NTDDI_VERSION=0x0A000000
      DXGKDDI_INTERFACE_VERSION=0x4002 MH_USE_WDK_DISPMPRT POOL_NX_OPTIN=1)
    # /FI: the runtime-check pragma FindWDK uses, so a Debug build keeps no /RTC1 calls that
    # /NODEFAULTLIB cannot resolve.
    target_compile_options(${target} PRIVATE /kernel /GS- /Gz /W4 /WX /Zp8 /GF /GR-
      /FI${MH_DRIVER_DIR}/cmake/mh_wdk_flags.h)
  endif()
endfunction()

# Makes a library target a hosted miniport: kernel flags, the DDI headers, the pool redirect.
# Idempotent: a miniport may be given to several harnesses.
function(mh_miniport_library target)
  get_target_property(done ${target} MH_MINIPORT)
  if(done)
    return()
  endif()
  set_target_properties(${target} PROPERTIES MH_MINIPORT TRUE)
  mh_kernel_target(${target})
  if(MH_LANE_MINGW)
    # <dispmprt.h> for a vendor's includes: the project's declarations (MinGW has none).
    target_include_directories(${target} PRIVATE ${MH_DDI_DIR}/mingw)
    # Vendors' pool tags are multi-character constants ('xCnM'), as the WDK samples write them.
    target_compile_options(${target} PRIVATE -Wno-multichar -include ${MH_DDI_DIR}/mh_pool_redirect.h)
  else()
    target_compile_options(${target} PRIVATE /FI${MH_DDI_DIR}/mh_pool_redirect.h)
  endif()
endfunction()

# A second compile of a miniport's sources, with extra definitions (a broken variant).
function(mh_miniport_variant variant base)
  get_target_property(sources ${base} SOURCES)
  get_target_property(source_dir ${base} SOURCE_DIR)
  set(absolute "")
  foreach(source IN LISTS sources)
    if(IS_ABSOLUTE ${source})
      list(APPEND absolute ${source})
    else()
      list(APPEND absolute ${source_dir}/${source})
    endif()
  endforeach()
  add_library(${variant} STATIC ${absolute})
  target_include_directories(${variant} PRIVATE $<TARGET_PROPERTY:${base},INCLUDE_DIRECTORIES>)
  target_compile_definitions(${variant} PRIVATE $<TARGET_PROPERTY:${base},COMPILE_DEFINITIONS> ${ARGN})
  get_target_property(base_options ${base} COMPILE_OPTIONS)
  if(base_options)
    target_compile_options(${variant} PRIVATE ${base_options})
  else()
    mh_miniport_library(${variant})
  endif()
  set_target_properties(${variant} PROPERTIES MH_MINIPORT TRUE)
endfunction()

function(mh_add_harness name)
  cmake_parse_arguments(H "" "MINIPORT;OUTPUT_NAME" "DEFINITIONS" ${ARGN})
  if(NOT H_MINIPORT)
    message(FATAL_ERROR "mh_add_harness(${name}): MINIPORT <library target> is required")
  endif()
  if(NOT H_OUTPUT_NAME)
    set(H_OUTPUT_NAME ${name})
  endif()
  mh_miniport_library(${H_MINIPORT})
  set(miniport ${H_MINIPORT})
  if(H_DEFINITIONS)
    set(miniport ${name}_miniport)
    mh_miniport_variant(${miniport} ${H_MINIPORT} ${H_DEFINITIONS})
  endif()

  if(MH_LANE_MINGW)
    add_library(${name} SHARED $<TARGET_OBJECTS:mh_control> $<TARGET_OBJECTS:mh_host>)
    set_target_properties(${name} PROPERTIES PREFIX "" SUFFIX ".sys" OUTPUT_NAME ${H_OUTPUT_NAME}
      LINKER_LANGUAGE C)
    target_link_options(${name} PRIVATE
      -nostdlib -Wl,--subsystem,native -Wl,--entry,MhHarnessEntry -Wl,--image-base,0x140000000)
    target_link_libraries(${name} PRIVATE ${miniport} ntoskrnl hal gcc)
    add_custom_command(TARGET ${name} POST_BUILD
      COMMAND ${Python3_EXECUTABLE} ${MH_DRIVER_DIR}/../scripts/check-wine-imports.py $<TARGET_FILE:${name}>
      COMMENT "Checking ${H_OUTPUT_NAME}.sys imports against Wine's kernel")
  else()
    add_executable(${name} $<TARGET_OBJECTS:mh_control> $<TARGET_OBJECTS:mh_host>)
    set_target_properties(${name} PROPERTIES SUFFIX ".sys" OUTPUT_NAME ${H_OUTPUT_NAME} LINKER_LANGUAGE C)
    target_link_options(${name} PRIVATE /DRIVER /SUBSYSTEM:NATIVE /ENTRY:MhHarnessEntry /NODEFAULTLIB
      /MANIFEST:NO /OPT:REF /OPT:ICF /INCREMENTAL:NO)
    target_link_libraries(${name} PRIVATE ${miniport} ${WDK_LIB}/ntoskrnl.lib ${WDK_LIB}/hal.lib)
  endif()
  add_dependencies(${name} mh_layering)
endfunction()
