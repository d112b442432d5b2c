# Adapter for XNNPACK: added when the library is found (see src/adapters/adapters.hpp).
#
# Debian's libxnnpack-dev has no CMake config: the header, the library and pthreadpool
# (whose header xnnpack.h includes) are found by name. A missing piece never fails
# configuration; it only disables the adapter.
find_path(SOFTCHECK_XNNPACK_INCLUDE_DIR xnnpack.h)
find_path(SOFTCHECK_PTHREADPOOL_INCLUDE_DIR pthreadpool.h)
find_library(SOFTCHECK_XNNPACK_LIBRARY XNNPACK)
find_library(SOFTCHECK_PTHREADPOOL_LIBRARY pthreadpool)
if(SOFTCHECK_XNNPACK_INCLUDE_DIR AND SOFTCHECK_PTHREADPOOL_INCLUDE_DIR
   AND SOFTCHECK_XNNPACK_LIBRARY AND SOFTCHECK_PTHREADPOOL_LIBRARY)
  file(GLOB SOFTCHECK_XNNPACK_SOURCES CONFIGURE_DEPENDS
       ${CMAKE_CURRENT_SOURCE_DIR}/src/adapters/xnnpack_*.cpp)
  target_sources(softcheck_adapters PRIVATE ${SOFTCHECK_XNNPACK_SOURCES})
  target_include_directories(softcheck_adapters SYSTEM PRIVATE
                             ${SOFTCHECK_XNNPACK_INCLUDE_DIR} ${SOFTCHECK_PTHREADPOOL_INCLUDE_DIR})
  target_link_libraries(softcheck_adapters PRIVATE ${SOFTCHECK_XNNPACK_LIBRARY}
                        ${SOFTCHECK_PTHREADPOOL_LIBRARY})
  target_compile_definitions(softcheck_adapters PUBLIC SOFTCHECK_HAVE_XNNPACK)
  message(STATUS "softcheck: XNNPACK found (${SOFTCHECK_XNNPACK_LIBRARY}) - xnnpack adapter enabled")
else()
  message(STATUS "softcheck: XNNPACK not found - xnnpack adapter disabled")
endif()
