export * from './rhythm';
