# softcheck_training: training-time controls on libtorch (⊥Grad optimizer wrapper, StableMax
# cross-entropy), and the analyses that train with them (analyses/grokking). Built only when
# libtorch is usable, as cmake/AdapterTorch.cmake decides (it must be included first): a
# missing libtorch disables these targets and never fails configuration.
#
# Unlike the torch adapter (a module loaded on demand, so the softcheck executable does not
# pay libtorch's start-up), this is an ordinary static library: only the analyses and the
# control_* tests link it.
#
# SOFTCHECK_BUILD_TRAINING=OFF leaves it out where libtorch is found: the asan preset does, so
# that the sanitized build (CI's longest step) checks the verifier, everything below training;
# the default build tests training.
option(SOFTCHECK_BUILD_TRAINING "Build softcheck_training and its tests when libtorch is found" ON)
if(SOFTCHECK_BUILD_TRAINING AND SOFTCHECK_TORCH_USABLE AND Torch_FOUND AND TARGET torch)
  file(GLOB SOFTCHECK_CONTROL_SOURCES CONFIGURE_DEPENDS src/training/*.cpp)
  add_library(softcheck_training STATIC ${SOFTCHECK_CONTROL_SOURCES})
  softcheck_module_headers(softcheck_training training)
  target_link_libraries(softcheck_training PUBLIC ${TORCH_LIBRARIES})
  softcheck_warnings(softcheck_training)
  # The safe-step controller needs the fast Taylor-radius bound (softcheck_taylor_radius, defined in
  # cmake/TaylorRadius.cmake, linked by name) and softcheck's cross-entropy kernels.
  target_link_libraries(softcheck_training PUBLIC softcheck_taylor_radius softcheck_kernels)
  message(STATUS "softcheck: libtorch found - softcheck_training and analyses/grokking enabled")
else()
  message(STATUS "softcheck: libtorch not found or SOFTCHECK_BUILD_TRAINING off - softcheck_training and analyses/grokking disabled")
endif()
