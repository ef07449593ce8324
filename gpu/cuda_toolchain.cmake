# Finds nvcc and fixes the CUDA defaults before enable_language(CUDA), which reads them once.
# Kept apart from gpu/CMakeLists.txt so the top level can include it, should CUDA ever need
# enabling there (CMake wants a language enabled in the highest directory that uses it).

# Sets OUT_VAR to the nvcc path, or to empty when there is none. An explicit CUDACXX or
# CMAKE_CUDA_COMPILER wins; then the toolkit's usual home; then PATH.
function(moe_find_cuda_compiler OUT_VAR)
  set(nvcc "")
  if(CMAKE_CUDA_COMPILER)
    set(nvcc "${CMAKE_CUDA_COMPILER}")
  elseif(DEFINED ENV{CUDACXX} AND EXISTS "$ENV{CUDACXX}")
    set(nvcc "$ENV{CUDACXX}")
  elseif(EXISTS /usr/local/cuda/bin/nvcc)
    set(nvcc /usr/local/cuda/bin/nvcc)
  else()
    find_program(MOE_NVCC_ON_PATH nvcc)
    if(MOE_NVCC_ON_PATH)
      set(nvcc "${MOE_NVCC_ON_PATH}")
    endif()
  endif()
  if(nvcc)
    set(CMAKE_CUDA_COMPILER "${nvcc}" CACHE FILEPATH "CUDA compiler")
    # nvcc must compile host code with the same g++ as the rest, or the ABI may differ.
    if(NOT CMAKE_CUDA_HOST_COMPILER)
      set(CMAKE_CUDA_HOST_COMPILER "${CMAKE_CXX_COMPILER}" CACHE FILEPATH "nvcc host compiler")
    endif()
    # H100/H200 are the targets; without this CMake picks nvcc's oldest supported arch.
    if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES OR CMAKE_CUDA_ARCHITECTURES STREQUAL "")
      set(CMAKE_CUDA_ARCHITECTURES 90 CACHE STRING "CUDA architectures (90 = H100/H200)")
    endif()
  endif()
  set(${OUT_VAR} "${nvcc}" PARENT_SCOPE)
endfunction()
