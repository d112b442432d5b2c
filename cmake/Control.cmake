# softcheck_control: training-time controls on libtorch (⊥Grad optimizer wrapper, StableMax
# cross-entropy), and the analyses that train with them (analyses/grokking). Built only when
# libtorch is usable, as cmake/AdapterTorch.cmake decides (it must be included first): a
# missing libtorch disables these targets and never fails configuration.
#
# Unlike the torch adapter (a module loaded on demand, so the softcheck executable does not
# pay libtorch's start-up), this is an ordinary static library: only the analyses and the
# control_* tests link it.
if(SOFTCHECK_TORCH_USABLE AND Torch_FOUND AND TARGET torch)
  file(GLOB SOFTCHECK_CONTROL_SOURCES CONFIGURE_DEPENDS src/control/*.cpp)
  add_library(softcheck_control STATIC ${SOFTCHECK_CONTROL_SOURCES})
  target_include_directories(softcheck_control PUBLIC src)
  target_link_libraries(softcheck_control PUBLIC ${TORCH_LIBRARIES})
  softcheck_warnings(softcheck_control)
  # The safe-step controller needs the fast Taylor-radius bound (softcheck_ghosts, defined in
  # cmake/Ghosts.cmake, linked by name) and softcheck's cross-entropy kernels.
  target_link_libraries(softcheck_control PUBLIC softcheck_ghosts softcheck_kernels)
  add_subdirectory(analyses/grokking)
  add_subdirectory(analyses/controller)  # controller_study: the safe-step analyses
  message(STATUS "softcheck: libtorch found - softcheck_control and analyses/grokking enabled")
else()
  message(STATUS "softcheck: libtorch not found - softcheck_control and analyses/grokking disabled")
endif()
