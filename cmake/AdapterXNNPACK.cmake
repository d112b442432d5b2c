# Adapter for XNNPACK: added when the library is found (see src/adapters/adapters.hpp).
