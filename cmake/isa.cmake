# Per-ISA compile flags of the CPU kernel files (included by the top-level
# CMakeLists.txt). Each src/cpu/negate_<isa>.c is compiled with the flags of
# its ISA only; the library picks a path at run time from cpuid (see
# src/cpu/isa.c), so the rest of the library keeps the baseline flags and
# runs on any CPU of the architecture. A file for another architecture
# compiles to nothing.
include(CheckCCompilerFlag)

set(C2OP_CPU_DIR ${PROJECT_SOURCE_DIR}/src/cpu)
if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64|i[3-6]86|x86)$")
  check_c_compiler_flag(-mavx2 C2OP_HAVE_MAVX2)
  check_c_compiler_flag("-mavx512f -mavx512bw" C2OP_HAVE_MAVX512)
  if(NOT C2OP_HAVE_MAVX2 OR NOT C2OP_HAVE_MAVX512)
    message(FATAL_ERROR "c2op: the C compiler lacks -mavx2 or -mavx512f/-mavx512bw")
  endif()
  set_source_files_properties(${C2OP_CPU_DIR}/negate_avx2.c PROPERTIES
                              COMPILE_OPTIONS "-mavx2")
  set_source_files_properties(${C2OP_CPU_DIR}/negate_avx512.c PROPERTIES
                              COMPILE_OPTIONS "-mavx512f;-mavx512bw")
endif()
