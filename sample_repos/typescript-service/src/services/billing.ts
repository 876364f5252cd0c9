import type { Order } from "@/models/order";
import { db } from "../lib/db";

export function charge(order: Order): number {
  db.put(order);
  return Math.round(order.total * 100);
}
