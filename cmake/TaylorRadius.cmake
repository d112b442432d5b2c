# softcheck_taylor_radius: the Taylor radius of the line loss (src/taylor_radius). The fast bounds need
# nothing; the certified radius, the ghosts and the Taylor coefficients need Arb
# (libflint-arb-dev, Debian 12: /usr/include/arb.h, libflint-arb.so).
find_path(SOFTCHECK_ARB_INCLUDE_DIR acb.h)
find_library(SOFTCHECK_ARB_LIBRARY NAMES flint-arb arb)
find_library(SOFTCHECK_FLINT_LIBRARY NAMES flint)
if(SOFTCHECK_ARB_INCLUDE_DIR AND SOFTCHECK_ARB_LIBRARY AND SOFTCHECK_FLINT_LIBRARY)
  set(SOFTCHECK_HAVE_ARB ON)
  message(STATUS "softcheck: Arb found (${SOFTCHECK_ARB_LIBRARY}) - certified Taylor radius enabled")
else()
  set(SOFTCHECK_HAVE_ARB OFF)
  message(STATUS "softcheck: Arb (libflint-arb-dev) not found - certified Taylor radius disabled")
endif()

set(SOFTCHECK_TAYLOR_RADIUS_FAST_SOURCES src/taylor_radius/spread.cpp src/taylor_radius/batch.cpp
    src/taylor_radius/binary.cpp src/taylor_radius/line.cpp)
if(SOFTCHECK_HAVE_ARB)
  file(GLOB SOFTCHECK_TAYLOR_RADIUS_SOURCES CONFIGURE_DEPENDS src/taylor_radius/*.cpp)
else()
  set(SOFTCHECK_TAYLOR_RADIUS_SOURCES ${SOFTCHECK_TAYLOR_RADIUS_FAST_SOURCES})
endif()
add_library(softcheck_taylor_radius STATIC ${SOFTCHECK_TAYLOR_RADIUS_SOURCES})
softcheck_module_headers(softcheck_taylor_radius taylor_radius)
target_link_libraries(softcheck_taylor_radius PUBLIC softcheck_core softcheck_fp)
softcheck_warnings(softcheck_taylor_radius)
if(SOFTCHECK_HAVE_ARB)
  target_include_directories(softcheck_taylor_radius SYSTEM PUBLIC ${SOFTCHECK_ARB_INCLUDE_DIR})
  target_link_libraries(softcheck_taylor_radius PUBLIC ${SOFTCHECK_ARB_LIBRARY} ${SOFTCHECK_FLINT_LIBRARY}
                        PkgConfig::MPFR)
  target_compile_definitions(softcheck_taylor_radius PUBLIC SOFTCHECK_HAVE_ARB=1)
endif()

# radius_throughput: a benchmark driver (analyses/perf), built with the project, never run by
# ctest: batch rho_a elements/s against memcpy, and the certification time for n = 1000.
