# softcheck_ghosts: the Taylor radius of the line loss (src/ghosts). The fast bounds need
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

set(SOFTCHECK_GHOSTS_FAST_SOURCES src/ghosts/spread.cpp src/ghosts/batch.cpp
    src/ghosts/binary.cpp src/ghosts/line.cpp)
if(SOFTCHECK_HAVE_ARB)
  file(GLOB SOFTCHECK_GHOSTS_SOURCES CONFIGURE_DEPENDS src/ghosts/*.cpp)
else()
  set(SOFTCHECK_GHOSTS_SOURCES ${SOFTCHECK_GHOSTS_FAST_SOURCES})
endif()
add_library(softcheck_ghosts STATIC ${SOFTCHECK_GHOSTS_SOURCES})
target_include_directories(softcheck_ghosts PUBLIC src)
softcheck_warnings(softcheck_ghosts)
if(SOFTCHECK_HAVE_ARB)
  target_include_directories(softcheck_ghosts SYSTEM PUBLIC ${SOFTCHECK_ARB_INCLUDE_DIR})
  target_link_libraries(softcheck_ghosts PUBLIC ${SOFTCHECK_ARB_LIBRARY} ${SOFTCHECK_FLINT_LIBRARY}
                        PkgConfig::MPFR)
  target_compile_definitions(softcheck_ghosts PUBLIC SOFTCHECK_HAVE_ARB=1)
endif()

# radius_throughput: a benchmark driver (analyses/perf), built with the project, never run by
# ctest: batch rho_a elements/s against memcpy, and the certification time for n = 1000.
add_executable(radius_throughput analyses/perf/radius_throughput.cpp)
target_link_libraries(radius_throughput PRIVATE softcheck_ghosts softcheck_core)
softcheck_warnings(radius_throughput)
