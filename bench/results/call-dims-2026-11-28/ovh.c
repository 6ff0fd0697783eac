/* What a 1 KiB call's overhead costs: the kernel alone, plus 8 stack stores, plus ~120 ALU ops. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <time.h>
#include <immintrin.h>
#include <dlpack/dlpack.h>
#include "c2op.h"
#include "cpu/kernels.h"
extern const c2op__negate_kernels c2op__negate_kernels__avx512;
static double now(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec*1e-9;}
static int cmpd(const void*a,const void*b){double d=*(double*)a-*(double*)b;return d<0?-1:d>0;}
static c2op__contig_fn K; static float *X,*Y; static int64_t N=256; static DLTensor TX,TY; static int64_t shp[2],st[2]; static c2op_context*CT;
volatile uint64_t sink[16];
__attribute__((noinline)) static void k_alone(void){K(X,Y,N,4);}
__attribute__((noinline)) static void k_stores(void){
  __asm__ volatile("push %%rbx; push %%rbp; push %%r12; push %%r13; push %%r14; push %%r15; pop %%r15; pop %%r14; pop %%r13; pop %%r12; pop %%rbp; pop %%rbx":::"memory");
  K(X,Y,N,4);}
__attribute__((noinline)) static void k_alu(void){
  uint64_t a=(uint64_t)X,b=(uint64_t)Y,c=N,d=1,e=2,g=3;
  for(int i=0;i<20;i++){__asm__ volatile("add %3,%0; xor %3,%1; or %3,%2; add %0,%4; xor %1,%5; cmp %3,%2":"+r"(a),"+r"(b),"+r"(d),"+r"(c),"+r"(e),"+r"(g));}
  if((a^b^d^e^g)==12345) sink[0]=a;
  K(X,Y,N,4);}
__attribute__((noinline)) static void c2(void){c2op_negative_ex(CT,&TX,&TY);}
__attribute__((noinline)) static void c2_1d(void){TX.ndim=1;TY.ndim=1;TX.shape=&shp[1];TY.shape=&shp[1];TX.strides=NULL;TY.strides=NULL;c2op_negative_ex(CT,&TX,&TY);TX.ndim=2;TY.ndim=2;TX.shape=shp;TY.shape=shp;TX.strides=st;TY.strides=st;}
__attribute__((noinline)) static void mc(void){memcpy(Y,X,N*4);}
int main(int argc,char**argv){
  N=argc>1?atoi(argv[1])/4:256; int rounds=31;
  X=aligned_alloc(4096,1<<20); Y=aligned_alloc(4096,1<<20); memset(X,1,1<<20); memset(Y,2,1<<20);
  K=c2op__negate_kernels__avx512.signflip[2]->contig;
  c2op_context_create(&CT); c2op_context_set_num_threads(CT,1);
  shp[0]=1;shp[1]=N;st[0]=N;st[1]=1;
  TX=(DLTensor){X,{kDLCPU,0},2,{kDLFloat,32,1},shp,st,0}; TY=TX; TY.data=Y;
  void(*f[])(void)={k_alone,k_stores,k_alu,c2,mc}; const char*nm[]={"kernel","+6push/pop","+120alu","c2op[1,n]","memcpy"}; int K_=5;
  double t[8][64]; int reps=20000;
  for(int r=0;r<rounds;r++)for(int j=0;j<K_;j++){int k=(j+r)%K_; double a=now(); for(int q=0;q<reps;q++)f[k](); t[k][r]=(now()-a)/reps*1e9;}
  for(int k=0;k<K_;k++){qsort(t[k],rounds,8,cmpd); printf("%-12s %6.2f ns\n",nm[k],t[k][rounds/2]);}
  (void)c2_1d; return 0;}
