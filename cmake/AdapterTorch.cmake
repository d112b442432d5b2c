# Adapter for Torch: added when the library is found (see src/adapters/adapters.hpp).
