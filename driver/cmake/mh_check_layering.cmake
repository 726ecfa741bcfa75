# The one-way rule of the driver's layers, proven at every build (cmake -P, run by the mh_layering
# target): control -> host API -> DDI types; miniport -> DDI types; the minimal example -> the
# system's headers only.
#
# Each probe in layering/ is compiled (syntax only) with exactly the include directories its layer's
# CMake target has: the upward includes must fail, and a control probe must succeed (otherwise the
# failures would prove nothing). Then the sources are searched for what include paths cannot
# catch: a relative include that climbs out of its layer, and IRPs outside the control layer.
#
# Variables: COMPILER, STYLE (gnu or msvc), DRIVER_DIR, SYSTEM_INCLUDES (the kernel headers),
# DEFINES (msvc), STAMP (touched when everything holds).

set(ddi ${DRIVER_DIR}/ddi)
set(contract ${DRIVER_DIR}/include)
set(host ${DRIVER_DIR}/host)
set(control ${DRIVER_DIR}/control)
set(probes ${DRIVER_DIR}/cmake/layering)

# The include directories of each layer's target (driver/CMakeLists.txt).
set(layer_miniport ${ddi} ${contract})
set(layer_minimal ${ddi}/mingw)
set(layer_ddi ${ddi} ${contract})
set(layer_host ${host} ${host}/api ${ddi} ${contract})
set(layer_control ${control} ${host}/api ${ddi} ${contract})

function(mh_probe probe layer expect)
  set(arguments "")
  foreach(dir IN LISTS SYSTEM_INCLUDES ${layer})
    if(STYLE STREQUAL "msvc")
      list(APPEND arguments /I${dir})
    else()
      list(APPEND arguments -I${dir})
    endif()
  endforeach()
  if(STYLE STREQUAL "msvc")
    foreach(define IN LISTS DEFINES)
      list(APPEND arguments /D${define})
    endforeach()
    list(APPEND arguments /Zs /nologo ${probes}/${probe})
  else()
    list(APPEND arguments -std=gnu11 -fsyntax-only ${probes}/${probe})
  endif()
  execute_process(COMMAND ${COMPILER} ${arguments} RESULT_VARIABLE rc OUTPUT_QUIET ERROR_QUIET)
  if(expect STREQUAL "compiles" AND NOT rc EQUAL 0)
    message(FATAL_ERROR "layering check: ${probe} must compile with the ${layer} include path, and does not: the check itself is broken")
  elseif(expect STREQUAL "fails" AND rc EQUAL 0)
    message(FATAL_ERROR "layering check: ${probe} compiles: the ${layer} target can include a layer above it")
  endif()
endfunction()

mh_probe(miniport_sees_ddi.c layer_miniport compiles)
mh_probe(miniport_sees_host.c layer_miniport fails)
mh_probe(miniport_sees_control.c layer_miniport fails)
mh_probe(minimal_sees_contract.c layer_minimal fails)
mh_probe(ddi_sees_host.c layer_ddi fails)
mh_probe(host_sees_control.c layer_host fails)
mh_probe(control_sees_host_state.c layer_control fails)

# What include paths cannot catch.
file(GLOB_RECURSE sources ${ddi}/*.h ${host}/*.c ${host}/*.h ${control}/*.c ${control}/*.h
     ${DRIVER_DIR}/miniport/*.c ${DRIVER_DIR}/miniport/*.h)
foreach(source IN LISTS sources)
  file(STRINGS ${source} climbing REGEX "^[ \t]*#[ \t]*include[ \t]*\"\\.\\./")
  if(climbing AND NOT source MATCHES "/ddi/mingw/")
    message(FATAL_ERROR "layering check: ${source} includes a header by a relative path out of its layer: ${climbing}")
  endif()
  if(NOT source MATCHES "/control/")
    file(STRINGS ${source} irps REGEX "PIRP|IoCompleteRequest|IRP_MJ_")
    if(irps)
      message(FATAL_ERROR "layering check: ${source} handles IRPs, which only the control layer may: ${irps}")
    endif()
  endif()
endforeach()

file(TOUCH ${STAMP})
