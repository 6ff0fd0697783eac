/* In-process A/B of two libc2op builds on small dense calls, in several forms. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <time.h>
#include <dlpack/dlpack.h>
#include "c2op.h"
typedef c2op_status (*neg_fn)(const c2op_context*,const DLTensor*,DLTensor*);
typedef c2op_status (*cc_fn)(c2op_context**); typedef c2op_status (*st_fn)(c2op_context*,int32_t);
static double now(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec*1e-9;}
static int cmpd(const void*a,const void*b){double d=*(double*)a-*(double*)b;return d<0?-1:d>0;}
int main(int argc,char**argv){
  if(argc<6){fprintf(stderr,"callab A.so B.so bytes form(1d|2d|tr|3d) rounds [inplace] [op: neg|grad]\n");return 2;}
  const char*op=argc>7?argv[7]:"neg";
  neg_fn f[2]; c2op_context*ctx[2];
  for(int k=0;k<2;k++){void*h=dlmopen(LM_ID_NEWLM,argv[1+k],RTLD_NOW|RTLD_LOCAL); if(!h){fprintf(stderr,"%s\n",dlerror());return 1;}
    f[k]=(neg_fn)dlsym(h,strcmp(op,"grad")?"c2op_negative_ex":"c2op_negate_gradient_ex"); ((cc_fn)dlsym(h,"c2op_context_create"))(&ctx[k]); ((st_fn)dlsym(h,"c2op_context_set_num_threads"))(ctx[k],1);}
  int64_t bytes=atoll(argv[3]); const char*form=argv[4]; int rounds=atoi(argv[5]); int inpl=argc>6?atoi(argv[6]):0;
  int64_t n=bytes/4;
  float*X=aligned_alloc(4096,1<<20),*Yb=aligned_alloc(4096,1<<20); memset(X,1,1<<20); memset(Yb,2,1<<20);
  float*Y=inpl?X:Yb+1024; /* y 4 KiB past: placed like x */
  int64_t shp[3],st[3]; DLTensor TX={X,{kDLCPU,0},1,{kDLFloat,32,1},shp,NULL,0};
  if(!strcmp(form,"1d")){shp[0]=n;}
  else if(!strcmp(form,"2d")){TX.ndim=2;shp[0]=1;shp[1]=n;st[0]=n;st[1]=1;TX.strides=st;}
  else if(!strcmp(form,"tr")){int64_t c=1; while(c*c<n)c*=2; TX.ndim=2;shp[0]=c;shp[1]=n/c;st[0]=1;st[1]=c;TX.strides=st;}
  else if(!strcmp(form,"3d")){TX.ndim=3;shp[0]=1;shp[1]=1;shp[2]=n;st[0]=n;st[1]=n;st[2]=1;TX.strides=st;}
  else {static int64_t s4[4],t4[4]; TX.ndim=4;TX.shape=s4;TX.strides=t4;s4[0]=1;s4[1]=2;s4[2]=2;s4[3]=n/4;t4[3]=1;t4[2]=n/4;t4[1]=n/2;t4[0]=n;}
  DLTensor TY=TX; TY.data=Y;
  int reps=(int)(2e6/(bytes+64))+200;
  static double t[2][1001];
  for(int k=0;k<2;k++)for(int q=0;q<1000;q++)if(f[k](ctx[k],&TX,&TY)){fprintf(stderr,"failed\n");return 1;}
  for(int r=0;r<rounds;r++)for(int j=0;j<2;j++){int k=(j+r)&1; double a=now(); for(int q=0;q<reps;q++)f[k](ctx[k],&TX,&TY); t[k][r]=(now()-a)/reps*1e9;}
  double rr[1001]; int wins=0; for(int r=0;r<rounds;r++){rr[r]=t[0][r]/t[1][r]; wins+=t[1][r]<t[0][r];} qsort(rr,rounds,8,cmpd);
  for(int k=0;k<2;k++)qsort(t[k],rounds,8,cmpd);
  printf("%-4s %6ld B %-2s %-7s: A %6.2f ns  B %6.2f ns  B/A speed %.3f (B faster in %d/%d)\n",op,(long)bytes,form,inpl?"inplace":"out",t[0][rounds/2],t[1][rounds/2],rr[rounds/2],wins,rounds);
  return 0;}
