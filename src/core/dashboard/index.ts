export * from './ring';
export * from './prometheus';
export * from './model';
