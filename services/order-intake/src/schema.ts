/** The PostgreSQL schema order intake owns; no other service reads it. A constant: it goes into SQL text. */
export const SCHEMA = 'order_intake';
