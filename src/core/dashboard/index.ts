export * from './ring';
export * from './prometheus';
export * from './model';
export * from './viewState';
