#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dlpack/dlpack.h>
#include "c2op.h"
typedef c2op_status (*neg_fn)(const c2op_context*,const DLTensor*,DLTensor*);
typedef c2op_status (*cc_fn)(c2op_context**); typedef c2op_status (*st_fn)(c2op_context*,int32_t);
int main(int argc,char**argv){
  void*h=dlopen(argv[1],RTLD_NOW); neg_fn f=(neg_fn)dlsym(h,"c2op_negative_ex"); c2op_context*ctx; ((cc_fn)dlsym(h,"c2op_context_create"))(&ctx); ((st_fn)dlsym(h,"c2op_context_set_num_threads"))(ctx,1);
  long n=atol(argv[3])/4; const char*form=argv[2]; long calls=atol(argv[4]);
  float*X=aligned_alloc(4096,1<<16),*Y=aligned_alloc(4096,1<<16); memset(X,1,1<<16);
  int64_t shp[4],st[4]; DLTensor TX={X,{kDLCPU,0},1,{kDLFloat,32,1},shp,NULL,0};
  if(!strcmp(form,"1d"))shp[0]=n;
  else if(!strcmp(form,"2d")){TX.ndim=2;shp[0]=1;shp[1]=n;st[0]=n;st[1]=1;TX.strides=st;}
  else if(!strcmp(form,"tr")){long c=1;while(c*c<n)c*=2;TX.ndim=2;shp[0]=c;shp[1]=n/c;st[0]=1;st[1]=c;TX.strides=st;}
  else if(!strcmp(form,"3d")){TX.ndim=3;shp[0]=1;shp[1]=1;shp[2]=n;st[0]=n;st[1]=n;st[2]=1;TX.strides=st;}
  else {TX.ndim=4;shp[0]=1;shp[1]=2;shp[2]=2;shp[3]=n/4;st[3]=1;st[2]=n/4;st[1]=n/2;st[0]=n;TX.strides=st;}
  DLTensor TY=TX; TY.data=Y;
  for(long i=0;i<calls;i++) f(ctx,&TX,&TY);
  return 0;}
