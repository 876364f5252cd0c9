import type { Order } from "@/models/order";

const orders = new Map<string, Order>();

export const db = {
  get: (id: string): Order | undefined => orders.get(id),
  put: (order: Order): void => {
    orders.set(order.id, order);
  },
};
